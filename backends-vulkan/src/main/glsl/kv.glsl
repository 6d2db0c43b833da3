// One layer's KV cache in one buffer (binding 0, uint words), keys then values; needs p.kvDim and p.ctx.
//   KV_F32: ctx × kvDim floats per region.
//   KV_F16: ctx × kvDim IEEE halfs per region, two per word.
//   KV_Q8_0: ggml's Q8_0 split in two arrays per region so that every field is word aligned: the int8 quants
//            (ctx × kvDim bytes), then the fp16 block scales (ctx × SW words, SW = ceil(kvDim / 64): two scales
//            per word, a position's scales padded to whole words). Same numbers as the CPU's Q8_0 rows.
// kvLoad(region, pos, j): element j of position pos, region 0 = keys, 1 = values. Shaders that bind the cache
// read-only define KV_READONLY first.

float halfAt(uint word, uint hi) {
    vec2 h = unpackHalf2x16(word);
    return hi == 0u ? h.x : h.y;
}

// Round-to-nearest-even float -> half bits, done in integers so every driver rounds like the CPU cache
// (Float16.floatToHalf); packHalf2x16's rounding is implementation-defined.
uint halfBits(float f) {
    uint x = floatBitsToUint(f);
    uint sign = (x >> 16) & 0x8000u;
    uint e = (x >> 23) & 0xFFu;
    uint m = x & 0x7FFFFFu;
    if (e == 255u) return sign | 0x7C00u | (m != 0u ? 0x200u | (m >> 13) : 0u);
    int he = int(e) - 112; // rebias 127 -> 15
    if (he >= 31) return sign | 0x7C00u;
    if (he <= 0) {
        if (he < -10) return sign;
        m |= 0x800000u;
        uint shift = uint(14 - he);
        uint hm = m >> shift;
        uint rem = m & ((1u << shift) - 1u);
        uint halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (hm & 1u) != 0u)) hm++;
        return sign | hm;
    }
    uint h = sign | (uint(he) << 10) | (m >> 13);
    uint rem = m & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u)) h++; // a carry into the exponent is right
    return h;
}

#if defined(KV_F32)
uint regionWords() { return p.ctx * p.kvDim; }
float kvLoad(uint region, uint pos, uint j) {
    return uintBitsToFloat(kv[region * regionWords() + pos * p.kvDim + j]);
}
#elif defined(KV_F16)
uint regionWords() { return p.ctx * p.kvDim / 2u; }
float kvLoad(uint region, uint pos, uint j) {
    uint e = pos * p.kvDim + j;
    return halfAt(kv[region * regionWords() + (e >> 1)], e & 1u);
}
#elif defined(KV_Q8_0)
uint scaleWords() { return (p.kvDim + 63u) / 64u; }
uint regionWords() { return p.ctx * (p.kvDim / 4u + scaleWords()); }
uint scaleBase(uint region) { return region * regionWords() + p.ctx * p.kvDim / 4u; }
float kvLoad(uint region, uint pos, uint j) {
    uint b = pos * p.kvDim + j;
    int q = bitfieldExtract(int(kv[region * regionWords() + (b >> 2)]), int((b & 3u) * 8u), 8);
    uint blk = j >> 5;
    return halfAt(kv[scaleBase(region) + pos * scaleWords() + (blk >> 1)], blk & 1u) * float(q);
}

// C's roundf (halves away from zero), exact in float: v - trunc(v) has no rounding error for |v| < 2^23
int roundHalfAway(float v) {
    float t = trunc(v);
    return int(abs(v - t) >= 0.5 ? t + sign(v) : t);
}

#ifndef KV_READONLY
// Quantizes the 32 values x[0..31] of block blk as ggml's quantize_row_q8_0 does: d = amax / 127,
// q = roundf(x / d); writes the 8 quant words, returns the scale's half bits.
uint quantizeBlock(uint region, uint pos, uint blk, float x[32]) {
    float amax = 0.0;
    for (uint i = 0u; i < 32u; i++) amax = max(amax, abs(x[i]));
    float d = amax / 127.0;
    float id = d != 0.0 ? 1.0 / d : 0.0;
    uint base = region * regionWords() + (pos * p.kvDim + blk * 32u) / 4u;
    for (uint w = 0u; w < 8u; w++) {
        uint word = 0u;
        for (uint k = 0u; k < 4u; k++) word |= (uint(roundHalfAway(x[4u * w + k] * id)) & 0xFFu) << (8u * k);
        kv[base + w] = word;
    }
    return halfBits(d);
}
#endif
#else
#error "define KV_F32, KV_F16 or KV_Q8_0"
#endif
