#version 450
// y[t] = x[t] / sqrt(mean(x[t]^2) + eps) * weight, one workgroup per vector t.
#define WG 256
layout(local_size_x = WG) in;

layout(std430, binding = 0) readonly buffer Weight { float wt[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Params {
    uint n;
    float eps;
    uint xOff;
    uint xStride;
    uint yOff;
    uint yStride;
} p;

shared float partial[WG];

void main() {
    uint xb = p.xOff + gl_WorkGroupID.y * p.xStride;
    uint yb = p.yOff + gl_WorkGroupID.y * p.yStride;
    float ss = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += WG) ss += x[xb + i] * x[xb + i];
    partial[gl_LocalInvocationID.x] = ss;
    barrier();
    for (uint s = WG / 2u; s > 0u; s >>= 1) {
        if (gl_LocalInvocationID.x < s) partial[gl_LocalInvocationID.x] += partial[gl_LocalInvocationID.x + s];
        barrier();
    }
    float scale = inversesqrt(partial[0] / float(p.n) + p.eps);
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += WG) y[yb + i] = wt[i] * (scale * x[xb + i]);
}
