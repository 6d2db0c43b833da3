#version 450
// y[t][rowBase + r] = dot(row r of this weight chunk, x[t]) for one row r (workgroup x) and one token t
// (workgroup y). The row is cut into units (32 quants, or one element for F32/F16); the workgroup's threads
// take units round-robin, each accumulating in float like the scalar reference, then a shared-memory tree
// sums the partials.
#define WG 64
layout(local_size_x = WG) in;

#include "bytes.glsl"
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint n;         // row length (elements)
    uint rowBytes;  // bytes per stored row
    uint rowStart;  // first row of this dispatch, relative to the chunk
    uint outRow;    // where row rowStart lands in y (absolute row of the tensor)
    uint xOff;      // float offset of token 0 in x
    uint xStride;   // floats between tokens in x
    uint yOff;      // float offset of token 0 in y
    uint yStride;   // floats between tokens in y
} p;

shared float partial[WG];

#if defined(TYPE_F32)
const uint UNIT = 1u;
float unitDot(uint row, uint u, uint xb) {
    return uintBitsToFloat(w[(row >> 2) + u]) * x[xb + u];
}
#elif defined(TYPE_F16)
const uint UNIT = 1u;
float unitDot(uint row, uint u, uint xb) {
    return f16(row + 2u * u) * x[xb + u];
}
#elif defined(TYPE_Q8_0)
// block: fp16 d, int8 qs[32]
const uint UNIT = 32u;
float unitDot(uint row, uint u, uint xb) {
    uint p0 = row + u * 34u;
    uint o = xb + u * 32u;
    float s = 0.0;
    for (uint j = 0u; j < 32u; j++) s += float(s8(p0 + 2u + j)) * x[o + j];
    return f16(p0) * s;
}
#elif defined(TYPE_Q4_0)
// block: fp16 d, u8 qs[16]; byte j: low nibble = element j, high nibble = element j + 16; x = d * (q - 8)
const uint UNIT = 32u;
float unitDot(uint row, uint u, uint xb) {
    uint p0 = row + u * 18u;
    uint o = xb + u * 32u;
    float s = 0.0;
    for (uint j = 0u; j < 16u; j++) {
        uint q = u8(p0 + 2u + j);
        s += float(int(q & 15u) - 8) * x[o + j] + float(int(q >> 4) - 8) * x[o + j + 16u];
    }
    return f16(p0) * s;
}
#elif defined(TYPE_Q4_K)
// super-block of 256 in 144 bytes: fp16 d, fp16 dmin, u8 scales[12] (6-bit scale/min pairs), u8 qs[128].
// unit = sub-block s of 32: x = d*scale_s*q - dmin*min_s; sub-blocks 2c, 2c+1 share qs[32c..] (low/high nibble)
const uint UNIT = 32u;
float unitDot(uint row, uint u, uint xb) {
    uint blk = u >> 3, s = u & 7u;
    uint p0 = row + blk * 144u;
    uvec2 sm = scaleMinK4(p0, s);
    uint sc = sm.x, mn = sm.y;
    uint q = p0 + 16u + 32u * (s >> 1);
    uint shift = 4u * (s & 1u);
    uint o = xb + u * 32u;
    float sqx = 0.0, sx = 0.0;
    for (uint l = 0u; l < 32u; l++) {
        float xv = x[o + l];
        sqx += float((u8(q + l) >> shift) & 15u) * xv;
        sx += xv;
    }
    return f16(p0) * float(sc) * sqx - f16(p0 + 2u) * float(mn) * sx;
}
#elif defined(TYPE_Q6_K)
// super-block of 256 in 210 bytes: u8 ql[128], u8 qh[64], int8 scales[16], fp16 d; q = 6 bits - 32.
// unit j = sub-blocks 2j and 2j+1 (16 each): same half h and group k, contiguous ql/qh bytes
const uint UNIT = 32u;
float unitDot(uint row, uint u, uint xb) {
    uint blk = u >> 3, j = u & 7u;
    uint p0 = row + blk * 210u;
    uint h = j >> 2, k = j & 3u;
    uint ql = p0 + 64u * h + 32u * (k & 1u);
    uint qh = p0 + 128u + 32u * h;
    uint lowShift = 4u * (k >> 1), highShift = 2u * k;
    uint o = xb + u * 32u;
    float s0 = 0.0, s1 = 0.0;
    for (uint l = 0u; l < 16u; l++) {
        int q = int(((u8(ql + l) >> lowShift) & 15u) | (((u8(qh + l) >> highShift) & 3u) << 4)) - 32;
        s0 += float(q) * x[o + l];
    }
    for (uint l = 16u; l < 32u; l++) {
        int q = int(((u8(ql + l) >> lowShift) & 15u) | (((u8(qh + l) >> highShift) & 3u) << 4)) - 32;
        s1 += float(q) * x[o + l];
    }
    float d = f16(p0 + 208u);
    return d * float(s8(p0 + 192u + 2u * j)) * s0 + d * float(s8(p0 + 193u + 2u * j)) * s1;
}
#elif defined(TYPE_Q4_1)
// block: fp16 d, fp16 m, u8 qs[16] (nibbles as Q4_0); x = d * q + m
const uint UNIT = 32u;
float unitDot(uint row, uint u, uint xb) {
    uint p0 = row + u * 20u;
    uint o = xb + u * 32u;
    float sqx = 0.0, sx = 0.0;
    for (uint j = 0u; j < 16u; j++) {
        uint q = u8(p0 + 4u + j);
        float a = x[o + j], b = x[o + j + 16u];
        sqx += float(q & 15u) * a + float(q >> 4) * b;
        sx += a + b;
    }
    return f16(p0) * sqx + f16(p0 + 2u) * sx;
}
#elif defined(TYPE_Q5_0) || defined(TYPE_Q5_1)
// Q5_0 block (22 bytes): fp16 d, u32 qh, u8 qs[16]; x = d * (q - 16).
// Q5_1 block (24 bytes): fp16 d, fp16 m, u32 qh, u8 qs[16]; x = d * q + m.
// Nibbles as Q4_0; the 5th bit of element j is bit j of qh (read bytewise: qh is not word aligned).
#if defined(TYPE_Q5_0)
const uint BLOCK = 22u, QH = 2u;
#else
const uint BLOCK = 24u, QH = 4u;
#endif
const uint UNIT = 32u;
float unitDot(uint row, uint u, uint xb) {
    uint p0 = row + u * BLOCK;
    uint qh = u8(p0 + QH) | (u8(p0 + QH + 1u) << 8) | (u8(p0 + QH + 2u) << 16) | (u8(p0 + QH + 3u) << 24);
    uint o = xb + u * 32u;
    float sqx = 0.0, sx = 0.0;
    for (uint j = 0u; j < 16u; j++) {
        uint q = u8(p0 + QH + 4u + j);
        float a = x[o + j], b = x[o + j + 16u];
        sqx += float((q & 15u) | (((qh >> j) & 1u) << 4)) * a + float((q >> 4) | (((qh >> (j + 16u)) & 1u) << 4)) * b;
        sx += a + b;
    }
#if defined(TYPE_Q5_0)
    return f16(p0) * (sqx - 16.0 * sx);
#else
    return f16(p0) * sqx + f16(p0 + 2u) * sx;
#endif
}
#elif defined(TYPE_Q5_K)
// super-block of 256 in 176 bytes: as Q4_K (fp16 d, fp16 dmin, u8 scales[12], then u8 qh[32], u8 qs[128]) plus a
// 5th bit per element: element 32 s + l has bit s of qh[l], worth 16
const uint UNIT = 32u;
float unitDot(uint row, uint u, uint xb) {
    uint blk = u >> 3, s = u & 7u;
    uint p0 = row + blk * 176u;
    uvec2 sm = scaleMinK4(p0, s);
    uint sc = sm.x, mn = sm.y;
    uint q = p0 + 48u + 32u * (s >> 1);
    uint shift = 4u * (s & 1u);
    uint o = xb + u * 32u;
    float sqx = 0.0, sx = 0.0;
    for (uint l = 0u; l < 32u; l++) {
        float xv = x[o + l];
        uint v = ((u8(q + l) >> shift) & 15u) | (((u8(p0 + 16u + l) >> s) & 1u) << 4);
        sqx += float(v) * xv;
        sx += xv;
    }
    return f16(p0) * float(sc) * sqx - f16(p0 + 2u) * float(mn) * sx;
}
#else
#error "define one TYPE_*"
#endif

void main() {
    uint r = gl_WorkGroupID.x;
    uint t = gl_WorkGroupID.y;
    uint row = (p.rowStart + r) * p.rowBytes;
    uint xb = p.xOff + t * p.xStride;
    uint units = p.n / UNIT;
    float acc = 0.0;
    for (uint u = gl_LocalInvocationID.x; u < units; u += WG) acc += unitDot(row, u, xb);
    partial[gl_LocalInvocationID.x] = acc;
    barrier();
    for (uint s = WG / 2u; s > 0u; s >>= 1) {
        if (gl_LocalInvocationID.x < s) partial[gl_LocalInvocationID.x] += partial[gl_LocalInvocationID.x + s];
        barrier();
    }
    if (gl_LocalInvocationID.x == 0u) y[p.yOff + t * p.yStride + p.outRow + r] = partial[0];
}
