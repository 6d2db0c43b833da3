#version 450
// Stores the keys and values of token t (workgroup y) at position startPos + t of one layer's cache.
// KV_F16: each thread converts one pair of elements into one word; KV_F32: one element.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, binding = 0) buffer KV { uint kv[]; };
layout(std430, binding = 1) readonly buffer Act { float a[]; };
#include "kv.glsl"

layout(push_constant) uniform Params {
    uint kOff;      // float offset of token 0's keys
    uint vOff;      // float offset of token 0's values
    uint stride;    // floats between tokens
    uint kvDim;
    uint vBase;     // element index of the values in the KV buffer
    uint startPos;
} p;

void main() {
    uint t = gl_WorkGroupID.y;
    uint e = (p.startPos + t) * p.kvDim;
#if defined(KV_F16)
    uint j = 2u * gl_GlobalInvocationID.x;
    if (j >= p.kvDim) return;
    uint k = p.kOff + t * p.stride + j, v = p.vOff + t * p.stride + j;
    kv[(e + j) >> 1] = halfBits(a[k]) | (halfBits(a[k + 1u]) << 16);
    kv[(p.vBase + e + j) >> 1] = halfBits(a[v]) | (halfBits(a[v + 1u]) << 16);
#else
    uint j = gl_GlobalInvocationID.x;
    if (j >= p.kvDim) return;
    kv[e + j] = floatBitsToUint(a[p.kOff + t * p.stride + j]);
    kv[p.vBase + e + j] = floatBitsToUint(a[p.vOff + t * p.stride + j]);
#endif
}
