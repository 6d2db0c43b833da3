#version 450
// Rotary embedding in place: pair i of head h (global x = h * pairs + i) of token t (workgroup y), with the
// host's cos/sin for that token's position (computed in double, as on the CPU). precise: no fused
// multiply-add, so results round like the CPU's x0*cos - x1*sin.
#define WG 64
layout(local_size_x = WG) in;

layout(std430, binding = 2) buffer Act { float a[]; };

layout(push_constant) uniform Params {
    uint off;       // float offset of token 0's vector
    uint stride;    // floats between tokens
    uint heads;
    uint headDim;
    uint pairs;
    uint neox;
    uint csOff;     // float offset of token 0's cos/sin pairs
    uint csStride;  // floats between tokens' cos/sin
} p;

void main() {
    uint idx = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
    if (idx >= p.heads * p.pairs) return;
    uint h = idx / p.pairs, i = idx % p.pairs;
    uint base = p.off + t * p.stride + h * p.headDim;
    uint ia = p.neox != 0u ? base + i : base + 2u * i;
    uint ib = p.neox != 0u ? base + i + p.pairs : base + 2u * i + 1u;
    float c = a[p.csOff + t * p.csStride + 2u * i], s = a[p.csOff + t * p.csStride + 2u * i + 1u];
    precise float x0 = a[ia], x1 = a[ib];
    precise float r0 = x0 * c - x1 * s;
    precise float r1 = x0 * s + x1 * c;
    a[ia] = r0;
    a[ib] = r1;
}
