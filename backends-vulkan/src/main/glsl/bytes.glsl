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
