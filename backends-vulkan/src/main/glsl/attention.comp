#version 450
// Causal attention of query head h (workgroup x) of token t (workgroup y) over cached positions
// 0 .. startPos + t, online softmax (flash-style) in tiles of WG positions: thread i scores position p0 + i,
// the tile's max and sum are reduced in shared memory, and each thread keeps the running weighted sum of
// values for dimensions tid, tid + WG, ... (head size <= 4 * WG). GQA: head h reads KV head h / group.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, binding = 0) readonly buffer KV { uint kv[]; };
layout(std430, binding = 2) buffer Act { float a[]; };

layout(push_constant) uniform Params {
    uint qOff;      // float offset of token 0's queries
    uint qStride;   // floats between tokens (queries and output)
    uint outOff;    // float offset of token 0's output
    uint headDim;
    uint group;     // query heads per KV head
    uint kvDim;
    uint ctx;       // positions of the cache
    uint startPos;
    float scale;
} p;

#define KV_READONLY
#include "kv.glsl"

const float NEG = -3.0e38;
shared float qs[4 * WG];
shared float wts[WG];
shared float red[WG];

void main() {
    uint h = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    uint last = p.startPos + t;
    uint qb = p.qOff + t * p.qStride + h * p.headDim;
    for (uint i = tid; i < p.headDim; i += WG) qs[i] = a[qb + i];
    barrier();
    uint hoff = (h / p.group) * p.headDim;
    float m = NEG, l = 0.0;
    float acc[4] = float[4](0.0, 0.0, 0.0, 0.0);
    for (uint p0 = 0u; p0 <= last; p0 += WG) {
        uint pos = p0 + tid;
        float s = NEG;
        if (pos <= last) {
            float d = 0.0;
            for (uint i = 0u; i < p.headDim; i++) d += qs[i] * kvLoad(0u, pos, hoff + i);
            s = d * p.scale;
        }
        red[tid] = s;
        barrier();
        for (uint st = WG / 2u; st > 0u; st >>= 1) {
            if (tid < st) red[tid] = max(red[tid], red[tid + st]);
            barrier();
        }
        float mNew = max(m, red[0]);
        barrier();
        float e = pos <= last ? exp(s - mNew) : 0.0;
        wts[tid] = e;
        red[tid] = e;
        barrier();
        for (uint st = WG / 2u; st > 0u; st >>= 1) {
            if (tid < st) red[tid] += red[tid + st];
            barrier();
        }
        float corr = exp(m - mNew);
        l = l * corr + red[0];
        uint n = min(uint(WG), last + 1u - p0);
        for (uint j = 0u; j < 4u; j++) {
            uint dim = tid + j * WG;
            if (dim < p.headDim) {
                float v = acc[j] * corr;
                for (uint i = 0u; i < n; i++) v += wts[i] * kvLoad(1u, p0 + i, hoff + dim);
                acc[j] = v;
            }
        }
        m = mNew;
        barrier();
    }
    uint ob = p.outOff + t * p.qStride + h * p.headDim;
    for (uint j = 0u; j < 4u; j++) {
        uint dim = tid + j * WG;
        if (dim < p.headDim) a[ob + dim] = acc[j] / l;
    }
}
