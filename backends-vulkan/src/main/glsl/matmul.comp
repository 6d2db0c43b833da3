#version 450
// Tiled matrix product for prefill: y[t][outRow + r] = dot(row r, x[t]) for a tile of TR rows (workgroup x)
// × TT tokens (workgroup y). Per step of K values along the rows, the workgroup dequantizes the TR × K weight
// tile and loads the TT × K activation tile into shared memory once, then each thread accumulates
// (TR × TT) / WG outputs from shared memory: each weight is read once per TT tokens instead of once per token.
#define WG 64
#define TR 16u
#define TT 8u
#define K 32u
layout(local_size_x = WG) in;

#include "dequant.glsl"
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint n;         // row length (elements); a multiple of K for block types, any for F32/F16
    uint rowBytes;
    uint rowStart;  // first row of this dispatch, relative to the chunk
    uint outRow;    // where row rowStart lands in y
    uint xOff;
    uint xStride;
    uint yOff;
    uint yStride;
    uint rows;      // rows of this dispatch
    uint tokens;
} p;

shared float ws[TR * K];
shared float xs[TT * K];

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint r0 = gl_WorkGroupID.x * TR, t0 = gl_WorkGroupID.y * TT;
    // this thread's two outputs: rows (tid % TR) and tokens (tid / TR) and (tid / TR) + 4
    uint orow = tid % TR, otok = tid / TR;
    float acc0 = 0.0, acc1 = 0.0;
    for (uint k0 = 0u; k0 < p.n; k0 += K) {
        for (uint e = tid; e < TR * K; e += WG) {
            uint r = r0 + e / K, i = k0 + e % K;
            ws[e] = r < p.rows && i < p.n ? wAt((p.rowStart + r) * p.rowBytes, i) : 0.0;
        }
        for (uint e = tid; e < TT * K; e += WG) {
            uint t = t0 + e / K, i = k0 + e % K;
            xs[e] = t < p.tokens && i < p.n ? x[p.xOff + t * p.xStride + i] : 0.0;
        }
        barrier();
        for (uint i = 0u; i < K; i++) {
            float wv = ws[orow * K + i];
            acc0 += wv * xs[otok * K + i];
            acc1 += wv * xs[(otok + 4u) * K + i];
        }
        barrier();
    }
    uint r = r0 + orow;
    if (r < p.rows) {
        uint t = t0 + otok;
        if (t < p.tokens) y[p.yOff + t * p.yStride + p.outRow + r] = acc0;
        if (t + 4u < p.tokens) y[p.yOff + (t + 4u) * p.yStride + p.outRow + r] = acc1;
    }
}
