#version 450
// Context shift of one layer's cache, one chunk: positions src0 .. src0 + count - 1 (workgroup y) move to
// position - drop; keys are re-rotated by -drop positions (cos/sin at csOff), values copied. The
// host keeps count <= drop so no source of this dispatch is a destination of it.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, binding = 0) buffer KV { uint kv[]; };
layout(std430, binding = 1) readonly buffer Act { float a[]; };
#include "kv.glsl"

layout(push_constant) uniform Params {
    uint kvDim;
    uint vBase;
    uint headDim;
    uint pairs;     // rotated pairs per head (ropeDim / 2)
    uint neox;      // 1: pairs (i, i + pairs), 0: (2i, 2i + 1)
    uint src0;
    uint drop;      // positions dropped (the shift)
    uint csOff;     // cos/sin pairs of the rotation by -drop
} p;

// The key element j of the row at element index row after rotation by -drop.
float shifted(uint row, uint j) {
    uint r = j % p.headDim, base = row + j - r;
    precise float x = kvRead(row + j);
    if (r >= 2u * p.pairs) return x;
    uint i, partner;
    bool first;
    if (p.neox != 0u) {
        first = r < p.pairs;
        i = first ? r : r - p.pairs;
        partner = first ? r + p.pairs : r - p.pairs;
    } else {
        first = (r & 1u) == 0u;
        i = r >> 1;
        partner = first ? r + 1u : r - 1u;
    }
    float c = a[p.csOff + 2u * i], s = a[p.csOff + 2u * i + 1u];
    precise float y = kvRead(base + partner);
    precise float res = first ? x * c - y * s : y * s + x * c;
    return res;
}

void main() {
    uint pos = p.src0 + gl_WorkGroupID.y;
    uint src = pos * p.kvDim, dst = (pos - p.drop) * p.kvDim;
#if defined(KV_F16)
    uint j = 2u * gl_GlobalInvocationID.x;
    if (j >= p.kvDim) return;
    kv[(dst + j) >> 1] = halfBits(shifted(src, j)) | (halfBits(shifted(src, j + 1u)) << 16);
    kv[(p.vBase + dst + j) >> 1] = kv[(p.vBase + src + j) >> 1];
#else
    uint j = gl_GlobalInvocationID.x;
    if (j >= p.kvDim) return;
    kv[dst + j] = floatBitsToUint(shifted(src, j));
    kv[p.vBase + dst + j] = kv[p.vBase + src + j];
#endif
}
