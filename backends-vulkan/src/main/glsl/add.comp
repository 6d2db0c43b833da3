#version 450
// dst[t][i] += src[t][i] for token t (workgroup y): residual adds (src = the activation buffer itself) and
// biases (src = a bias vector, stride 0).
#define WG 256
layout(local_size_x = WG) in;

layout(std430, binding = 0) readonly buffer Src { float s[]; };
layout(std430, binding = 2) buffer Dst { float d[]; };

layout(push_constant) uniform Params {
    uint n;
    uint sOff;
    uint sStride;
    uint dOff;
    uint dStride;
} p;

void main() {
    uint i = gl_GlobalInvocationID.x, t = gl_WorkGroupID.y;
    if (i >= p.n) return;
    d[p.dOff + t * p.dStride + i] += s[p.sOff + t * p.sStride + i];
}
