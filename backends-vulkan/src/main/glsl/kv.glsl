// KV cache element access (binding 0, one buffer per layer: keys at element 0, values at element p.vBase).
// KV_F32: one float per uint; KV_F16: two IEEE halfs per uint, element e in half (e & 1) of word e >> 1.
#if defined(KV_F32)
float kvRead(uint e) {
    return uintBitsToFloat(kv[e]);
}
#elif defined(KV_F16)
float kvRead(uint e) {
    vec2 h = unpackHalf2x16(kv[e >> 1]);
    return (e & 1u) == 0u ? h.x : h.y;
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
#else
#error "define KV_F32 or KV_F16"
#endif
