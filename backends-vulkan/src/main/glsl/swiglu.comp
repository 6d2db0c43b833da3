#version 450
// g[t][i] = silu(g[t][i]) * u[t][i] for token t (workgroup y): the SwiGLU gate of the feed-forward block.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, binding = 2) buffer Act { float a[]; };

layout(push_constant) uniform Params {
    uint n;        // hidden size
    uint gOff;
    uint uOff;
    uint stride;   // floats between tokens
} p;

void main() {
    uint i = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
    if (i >= p.n) return;
    uint g = p.gOff + t * p.stride + i;
    float x = a[g];
    a[g] = x / (1.0 + exp(-x)) * a[p.uOff + t * p.stride + i];
}
