#version 450
// Context shift of one layer's cache, one chunk: positions src0 .. src0 + count - 1 (workgroup y) move to
// position - drop; keys are re-rotated by -drop positions (cos/sin at csOff), values copied. The host keeps
// count <= drop so no source of this dispatch is a destination of it.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, binding = 0) buffer KV { uint kv[]; };
layout(std430, binding = 1) readonly buffer Act { float a[]; };

layout(push_constant) uniform Params {
    uint kvDim;
    uint ctx;
    uint headDim;
    uint pairs;     // rotated pairs per head (ropeDim / 2)
    uint neox;      // 1: pairs (i, i + pairs), 0: (2i, 2i + 1)
    uint src0;
    uint drop;      // positions dropped (the shift)
    uint csOff;     // cos/sin pairs of the rotation by -drop
} p;

#include "kv.glsl"

// Key element j of position pos after rotation by -drop (CPU: load, Rope.rotate, store).
float shifted(uint pos, uint j) {
    uint r = j % p.headDim, base = j - r;
    precise float x = kvLoad(0u, pos, j);
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
    precise float y = kvLoad(0u, pos, base + partner);
    precise float res = first ? x * c - y * s : y * s + x * c;
    return res;
}

void main() {
    uint pos = p.src0 + gl_WorkGroupID.y, dst = pos - p.drop, g = gl_GlobalInvocationID.x;
#if defined(KV_F32)
    if (g >= p.kvDim) return;
    kv[dst * p.kvDim + g] = floatBitsToUint(shifted(pos, g));
    kv[regionWords() + dst * p.kvDim + g] = kv[regionWords() + pos * p.kvDim + g];
#elif defined(KV_F16)
    uint j = 2u * g;
    if (j >= p.kvDim) return;
    kv[(dst * p.kvDim + j) / 2u] = halfBits(shifted(pos, j)) | (halfBits(shifted(pos, j + 1u)) << 16);
    kv[regionWords() + (dst * p.kvDim + j) / 2u] = kv[regionWords() + (pos * p.kvDim + j) / 2u];
#else
    uint blocks = p.kvDim / 32u;
    if (2u * g >= blocks) return;
    float x[32];
    uint scales = 0u;
    for (uint k = 0u; k < 2u; k++) {
        uint blk = 2u * g + k;
        if (blk >= blocks) break;
        for (uint i = 0u; i < 32u; i++) x[i] = shifted(pos, blk * 32u + i);
        scales |= quantizeBlock(0u, dst, blk, x) << (16u * k);
        // values: the same block's quant words, copied
        uint vq = regionWords() + blk * 8u;
        for (uint w = 0u; w < 8u; w++) kv[vq + dst * p.kvDim / 4u + w] = kv[vq + pos * p.kvDim / 4u + w];
    }
    kv[scaleBase(0u) + dst * scaleWords() + g] = scales;
    kv[scaleBase(1u) + dst * scaleWords() + g] = kv[scaleBase(1u) + pos * scaleWords() + g];
#endif
}
