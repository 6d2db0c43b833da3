// Byte-addressed reads from a weight buffer bound as uint[] (binding 0). Quant blocks are 18, 34 or 210 bytes,
// so fields are not 4-byte aligned; reading words and shifting needs no 8/16-bit storage feature, which keeps
// the shaders valid on every Vulkan 1.1 device. The host pads each weight buffer to a multiple of 4 bytes.
layout(std430, binding = 0) readonly buffer Weights { uint w[]; };

uint u8(uint b) {
    return (w[b >> 2] >> ((b & 3u) * 8u)) & 0xFFu;
}

int s8(uint b) {
    return bitfieldExtract(int(w[b >> 2]), int((b & 3u) * 8u), 8);
}

// b must be even (fp16 fields are 2-byte aligned within every block type used here)
uint u16(uint b) {
    return (w[b >> 2] >> ((b & 2u) * 8u)) & 0xFFFFu;
}

float f16(uint b) {
    return unpackHalf2x16(u16(b)).x;
}

// 6-bit scale (x) and min (y) of sub-block s (0..7) of a Q4_K/Q5_K super-block at byte p0: 12 packed bytes at p0 + 4
// (ggml's get_scale_min_k4)
uvec2 scaleMinK4(uint p0, uint s) {
    if (s < 4u) return uvec2(u8(p0 + 4u + s) & 63u, u8(p0 + 8u + s) & 63u);
    uint lo = u8(p0 + 8u + s);
    return uvec2((lo & 15u) | ((u8(p0 + s) >> 6) << 4), (lo >> 4) | ((u8(p0 + 4u + s) >> 6) << 4));
}
