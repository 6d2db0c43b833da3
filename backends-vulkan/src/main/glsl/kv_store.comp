#version 450
// Stores the keys and values of token t (workgroup y) at position startPos + t of one layer's cache.
// One thread writes whole words: KV_F32 one element, KV_F16 a pair of elements, KV_Q8_0 a pair of blocks.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, binding = 0) buffer KV { uint kv[]; };
layout(std430, binding = 1) readonly buffer Act { float a[]; };

layout(push_constant) uniform Params {
    uint kOff;      // float offset of token 0's keys
    uint vOff;      // float offset of token 0's values
    uint stride;    // floats between tokens
    uint kvDim;
    uint ctx;
    uint startPos;
} p;

#include "kv.glsl"

void main() {
    uint t = gl_WorkGroupID.y, pos = p.startPos + t, g = gl_GlobalInvocationID.x;
    for (uint region = 0u; region < 2u; region++) {
        uint src = (region == 0u ? p.kOff : p.vOff) + t * p.stride;
#if defined(KV_F32)
        if (g >= p.kvDim) return;
        kv[region * regionWords() + pos * p.kvDim + g] = floatBitsToUint(a[src + g]);
#elif defined(KV_F16)
        uint j = 2u * g;
        if (j >= p.kvDim) return;
        kv[region * regionWords() + (pos * p.kvDim + j) / 2u] = halfBits(a[src + j]) | (halfBits(a[src + j + 1u]) << 16);
#else
        uint blocks = p.kvDim / 32u;
        if (2u * g >= blocks) return;
        float x[32];
        uint scales = 0u;
        for (uint k = 0u; k < 2u; k++) {
            uint blk = 2u * g + k;
            if (blk >= blocks) break;
            for (uint i = 0u; i < 32u; i++) x[i] = a[src + blk * 32u + i];
            scales |= quantizeBlock(region, pos, blk, x) << (16u * k);
        }
        kv[scaleBase(region) + pos * scaleWords() + g] = scales;
#endif
    }
}
