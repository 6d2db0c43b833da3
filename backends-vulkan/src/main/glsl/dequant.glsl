// wAt(row, i): element i of the weight row starting at byte `row`, dequantized (ggml block layouts, cited in
// matvec.comp, which fuses the same formulas into its unit dot products). Random access: every call decodes
// its block's scale(s), fine for a tile loader that touches each weight once per tile.
#include "bytes.glsl"

#if defined(TYPE_F32)
float wAt(uint row, uint i) { return uintBitsToFloat(w[(row >> 2) + i]); }
#elif defined(TYPE_F16)
float wAt(uint row, uint i) { return f16(row + 2u * i); }
#elif defined(TYPE_Q8_0)
float wAt(uint row, uint i) {
    uint p0 = row + (i >> 5) * 34u;
    return f16(p0) * float(s8(p0 + 2u + (i & 31u)));
}
#elif defined(TYPE_Q4_0)
float wAt(uint row, uint i) {
    uint p0 = row + (i >> 5) * 18u, j = i & 31u;
    uint q = j < 16u ? u8(p0 + 2u + j) & 15u : u8(p0 + 2u + j - 16u) >> 4;
    return f16(p0) * float(int(q) - 8);
}
#elif defined(TYPE_Q4_K)
float wAt(uint row, uint i) {
    uint p0 = row + (i >> 8) * 144u, r = i & 255u, s = r >> 5, l = r & 31u;
    uvec2 sm = scaleMinK4(p0, s);
    uint sc = sm.x, mn = sm.y;
    uint q = (u8(p0 + 16u + 32u * (s >> 1) + l) >> (4u * (s & 1u))) & 15u;
    return f16(p0) * float(sc) * float(q) - f16(p0 + 2u) * float(mn);
}
#elif defined(TYPE_Q6_K)
float wAt(uint row, uint i) {
    uint p0 = row + (i >> 8) * 210u, r = i & 255u, j = r >> 5, l = r & 31u;
    uint h = j >> 2, k = j & 3u;
    uint lo = (u8(p0 + 64u * h + 32u * (k & 1u) + l) >> (4u * (k >> 1))) & 15u;
    uint hi = (u8(p0 + 128u + 32u * h + l) >> (2u * k)) & 3u;
    int q = int(lo | (hi << 4)) - 32;
    return f16(p0 + 208u) * float(s8(p0 + 192u + 2u * j + (l >> 4))) * float(q);
}
#elif defined(TYPE_Q4_1)
float wAt(uint row, uint i) {
    uint p0 = row + (i >> 5) * 20u, j = i & 31u;
    uint q = j < 16u ? u8(p0 + 4u + j) & 15u : u8(p0 + 4u + j - 16u) >> 4;
    return f16(p0) * float(q) + f16(p0 + 2u);
}
#elif defined(TYPE_Q5_0) || defined(TYPE_Q5_1)
float wAt(uint row, uint i) {
#if defined(TYPE_Q5_0)
    uint p0 = row + (i >> 5) * 22u, qh = p0 + 2u;
#else
    uint p0 = row + (i >> 5) * 24u, qh = p0 + 4u;
#endif
    uint j = i & 31u;
    uint q = j < 16u ? u8(qh + 4u + j) & 15u : u8(qh + 4u + j - 16u) >> 4;
    q |= ((u8(qh + (j >> 3)) >> (j & 7u)) & 1u) << 4;
#if defined(TYPE_Q5_0)
    return f16(p0) * float(int(q) - 16);
#else
    return f16(p0) * float(q) + f16(p0 + 2u);
#endif
}
#elif defined(TYPE_Q5_K)
float wAt(uint row, uint i) {
    uint p0 = row + (i >> 8) * 176u, r = i & 255u, s = r >> 5, l = r & 31u;
    uvec2 sm = scaleMinK4(p0, s);
    uint sc = sm.x, mn = sm.y;
    uint q = ((u8(p0 + 48u + 32u * (s >> 1) + l) >> (4u * (s & 1u))) & 15u) | (((u8(p0 + 16u + l) >> s) & 1u) << 4);
    return f16(p0) * float(sc) * float(q) - f16(p0 + 2u) * float(mn);
}
#else
#error "define one TYPE_*"
#endif
