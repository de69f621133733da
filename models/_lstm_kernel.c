// SPDX-License-Identifier: MIT
/* CoreDecoder.sample on the CPU in C: initial state, step loop and regression head in one call; the
Conductor (the same LSTM without tokens) too. models/fast_decode.py packs the weights and calls it.

At batch 1 a decoding step is a matrix-vector product over weights that may not fit the L2 cache
(drums_2bar: 1.5 MB per step in float32, 0.75 MB as the bfloat16 values that generation rounds the
weights to), so the loop is memory-bound: the kernel reads each weight once per step,
in 64-column blocks laid out contiguously, with the accumulators in registers, and does the LSTM cell,
the argmax and the bookkeeping in between without returning to Python. Same arithmetic as the NumPy loop
(models/decoders.py `_decode_steps`) up to float32 rounding: each output is summed over k in order, and
tanh is a polynomial (Cephes) within 1 ulp that vectorises, where libm's tanhf is a scalar call.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BW 64 /* columns per weight block: 4 AVX-512 or 8 AVX2 registers of accumulators */
#define ROWS 4 /* batch rows sharing one read of a block */

/* One clone per instruction set, picked at load time, so one build runs well on any x86-64 CPU. */
#if defined(__x86_64__) && defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CLONES __attribute__((target_clones("avx512f", "fma", "default")))
#endif
#endif
#ifndef CLONES
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

INLINE float exp_approx(float x) {
    /* Cephes expf: 2^n * e^r with |r| <= ln2 / 2 and a degree-6 polynomial; n by the 1.5 * 2^23 trick */
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x); /* not fminf: a libm call, no vectors */
    const float magic = 12582912.0f;
    float t = x * 1.44269504088896341f + magic;
    float n = t - magic;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

INLINE float tanh_approx(float x) {
    /* Cephes tanhf: an odd polynomial below 0.625, else 1 - 2 / (e^2|x| + 1); both, then select */
    float a = fabsf(x), z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    float big = 1.0f - 2.0f / (exp_approx(2.0f * a) + 1.0f);
    big = copysignf(big, x);
    return a < 0.625f ? small : big;
}

INLINE float sigmoid_approx(float x) {
    return 0.5f * tanh_approx(0.5f * x) + 0.5f; /* as the NumPy loop: no overflow for large |x| */
}

INLINE float log_approx(float x) {
    /* Cephes logf for x > 0 (normal): x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a degree-9
       polynomial in m - 1; exponent and mantissa by bit operations, so that the loop vectorises */
    int32_t bits;
    memcpy(&bits, &x, sizeof bits);
    int32_t e = ((bits >> 23) & 0xff) - 126;
    bits = (bits & 0x807fffff) | 0x3f000000; /* m in [0.5, 1) */
    float m;
    memcpy(&m, &bits, sizeof m);
    int small = m < 0.707106781186547524f;
    float fe = (float)(e - small);
    m = small ? m + m - 1.0f : m - 1.0f;
    float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    y += -2.12194440e-4f * fe;
    y += -0.5f * z;
    return m + y + 0.693359375f * fe;
}

/* The sampling noise of a row's step without a noise array (models/decoders.py `counter_noise`, the
   reference): uniforms from a counter-based hash (Salmon et al. 2011, "Parallel random numbers: as easy
   as 1, 2, 3"; the mixer is Wellons' lowbias32) of (the row's seed, step * V + class), so a row draws
   only the steps it runs; u = (2 (h >> 9) + 1) 2^-24 in (0, 1), Gumbel = -log(-log u). */
INLINE uint32_t mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

INLINE void counter_noise(uint32_t seed, uint32_t first, int vocab, const float *restrict temperature,
                          const uint8_t *restrict allowed, const float *restrict bias, float *restrict out) {
    /* temperature (V,): each class its own (the band decoder's velocity classes); T = 0 adds no noise */
    for (int j = 0; j < vocab; j++) { /* branch-free, so that it vectorises */
        uint32_t h = mix32(mix32(seed ^ (first + (uint32_t)j)));
        float u = (float)(int32_t)(((h >> 9) << 1) | 1u) * 0x1p-24f;
        float g = -log_approx(-log_approx(u)) * temperature[j] + bias[j];
        out[j] = temperature[j] > 0.0f ? g : 0.0f + bias[j];
    }
    if (allowed)
        for (int j = 0; j < vocab; j++) out[j] = allowed[j] ? out[j] : -INFINITY;
}

/* The same from the caller's uniforms u (V,) (torch.rand's, so that a seed samples what
   `models.decoders.sampling_noise` gives): -log(-log u) * T + bias, -inf where u = 0 (as there). */
INLINE void uniform_noise(const float *restrict u, int vocab, const float *restrict temperature,
                          const uint8_t *restrict allowed, const float *restrict bias, float *restrict out) {
    for (int j = 0; j < vocab; j++) { /* temperature (V,) as in counter_noise */
        float g = -log_approx(-log_approx(u[j] > 0.0f ? u[j] : 1.0f)) * temperature[j] + bias[j];
        out[j] = temperature[j] > 0.0f ? (u[j] > 0.0f ? g : -INFINITY) : 0.0f + bias[j];
    }
    if (allowed)
        for (int j = 0; j < vocab; j++) out[j] = allowed[j] ? out[j] : -INFINITY;
}

/* The first j of the largest a[j] + b[j] (0 when all are -inf), as a scalar scan finds it: the sums
   and a per-lane maximum in vector loops, then the first index holding the maximum; vals (V,) scratch */
INLINE int64_t first_max(const float *restrict a, const float *restrict b, int vocab, float *restrict vals) {
    float lane[16];
    for (int l = 0; l < 16; l++) lane[l] = -INFINITY;
    for (int j = 0; j < vocab; j++) vals[j] = a[j] + b[j];
    int j = 0;
    for (; j + 16 <= vocab; j += 16)
        for (int l = 0; l < 16; l++) lane[l] = vals[j + l] > lane[l] ? vals[j + l] : lane[l];
    float best = -INFINITY;
    for (; j < vocab; j++) best = vals[j] > best ? vals[j] : best;
    for (int l = 0; l < 16; l++) best = lane[l] > best ? lane[l] : best;
    for (j = 0; j < vocab; j++)
        if (vals[j] == best) return j;
    return 0; /* NaN everywhere: as the scan, class 0 */
}

/* The k-th largest (1 <= k <= m) of a[0..m-1], which it reorders: quickselect (Hoare 1961, "Algorithm 65:
   Find") with the middle element as pivot, expected O(m) comparisons; no NaN in a. */
static float kth_largest(float *a, int m, int k) {
    int lo = 0, hi = m - 1;
    const int want = k - 1; /* its index in descending order */
    while (lo < hi) {
        const float pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) { /* descending: >= pivot to the left, <= pivot to the right */
            while (a[i] > pivot) i++;
            while (a[j] < pivot) j--;
            if (i <= j) {
                float tmp = a[i];
                a[i++] = a[j];
                a[j--] = tmp;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else return a[want]; /* between j and i every value is the pivot */
    }
    return a[want];
}

/* Top-k truncation (Fan et al. 2018, "Hierarchical Neural Story Generation"): noise[j] = -inf for every
   class j outside the k largest logits lr[j] + bias[j] (W_out h + b, before noise) among the allowed
   classes (allowed NULL: all); ties at the k-th value go to the lowest indices, as argmax breaks them.
   logits and sel are (V,) scratch. Nothing changes when at most k classes are allowed. */
INLINE void top_k_mask(const float *restrict lr, const float *restrict bias, const uint8_t *restrict allowed,
                       int vocab, int k, float *restrict noise, float *restrict logits, float *restrict sel) {
    int m = 0;
    for (int j = 0; j < vocab; j++) {
        logits[j] = lr[j] + bias[j];
        if (!allowed || allowed[j]) sel[m++] = logits[j];
    }
    if (m <= k) return;
    const float kth = kth_largest(sel, m, k);
    int above = 0;
    for (int j = 0; j < vocab; j++) above += (!allowed || allowed[j]) && logits[j] > kth;
    int ties = k - above; /* classes at exactly the k-th value that stay, lowest index first */
    for (int j = 0; j < vocab; j++) {
        int ok = !allowed || allowed[j];
        int keep = ok && (logits[j] > kth || (logits[j] == kth && ties-- > 0));
        if (!keep) noise[j] = -INFINITY;
    }
}

/* The loop's weights are float32, or bfloat16 (`bf`): a decoder whose weights are all bfloat16 values
   (models/musicvae.py `to_bfloat16_`) reads half the bytes per step. A bfloat16 is the top half of a
   float32, so widening one is exact and the sums are the same as over the float32 weights. A block row's
   64 bfloat16 weights are 32 words, word j holding column j in its low half and column j + 32 in its high
   half (models/fast_decode.py `_narrowed`): a shift widens the one, a mask the other, lane by lane. */
#define HALF (BW / 2)

INLINE float lo_half(uint32_t u) {
    u <<= 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

INLINE float hi_half(uint32_t u) {
    u &= 0xffff0000u;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* out[cols of block wb] = x @ wb, wb (hid, BW); the accumulators stay in registers */
INLINE void block1(const float *wb, int hid, const float *x, float *out) {
    float acc[BW] = {0};
    for (int k = 0; k < hid; k++) {
        const float *row = wb + (size_t)k * BW;
        for (int j = 0; j < BW; j++) acc[j] += x[k] * row[j];
    }
    memcpy(out, acc, sizeof acc);
}

/* block1 for two blocks at once, wa and wb (hid, BW) -> oa, ob (BW,): two weight streams in flight and 8
   accumulators (batch 1 waits on the cache, not on arithmetic: 2-3% faster for mel_2bar and drums_2bar,
   where four blocks at once gained nothing more); the same sums */
INLINE void block1x2(const float *wa, const float *wb, int hid, const float *x, float *oa, float *ob) {
    float a[BW] = {0}, b[BW] = {0};
    for (int k = 0; k < hid; k++) {
        const float *ra = wa + (size_t)k * BW, *rb = wb + (size_t)k * BW;
        for (int j = 0; j < BW; j++) {
            a[j] += x[k] * ra[j];
            b[j] += x[k] * rb[j];
        }
    }
    memcpy(oa, a, sizeof a);
    memcpy(ob, b, sizeof b);
}

/* the same for `rows` (2..ROWS, a constant where it is inlined) rows of x (stride hid) and out (stride
   ostride), sharing each read of a block row: 16 columns at a time, so that the accumulators stay in
   registers (8 of AVX2's 16 for 4 rows; a whole block of 4 rows needed 32, and the compiler kept them in
   memory, a load and a store per multiply-add: the band decoder's rows took ~1.3x as long) */
INLINE void block_rows(const float *wb, int hid, const float *x, float *out, int ostride, int rows) {
    const float *x0 = x, *x1 = x + hid, *x2 = x + 2 * (size_t)hid, *x3 = x + 3 * (size_t)hid;
    for (int s = 0; s < BW; s += 16) {
        float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};
        for (int k = 0; k < hid; k++) {
            const float *row = wb + (size_t)k * BW + s;
            for (int j = 0; j < 16; j++) {
                a0[j] += x0[k] * row[j];
                a1[j] += x1[k] * row[j];
                if (rows > 2) a2[j] += x2[k] * row[j];
                if (rows > 3) a3[j] += x3[k] * row[j];
            }
        }
        memcpy(out + s, a0, sizeof a0);
        memcpy(out + ostride + s, a1, sizeof a1);
        if (rows > 2) memcpy(out + 2 * (size_t)ostride + s, a2, sizeof a2);
        if (rows > 3) memcpy(out + 3 * (size_t)ostride + s, a3, sizeof a3);
    }
}

/* block1, block1x2 and block_rows over packed bfloat16 blocks (hid, BW / 2) words: the same sums */
INLINE void block1_bf(const uint32_t *wb, int hid, const float *x, float *out) {
    float acc[BW] = {0};
    for (int k = 0; k < hid; k++) {
        const uint32_t *row = wb + (size_t)k * HALF;
        for (int j = 0; j < HALF; j++) {
            acc[j] += x[k] * lo_half(row[j]);
            acc[j + HALF] += x[k] * hi_half(row[j]);
        }
    }
    memcpy(out, acc, sizeof acc);
}

INLINE void block1x2_bf(const uint32_t *wa, const uint32_t *wb, int hid, const float *x, float *oa, float *ob) {
    float a[BW] = {0}, b[BW] = {0};
    for (int k = 0; k < hid; k++) {
        const uint32_t *ra = wa + (size_t)k * HALF, *rb = wb + (size_t)k * HALF;
        for (int j = 0; j < HALF; j++) {
            a[j] += x[k] * lo_half(ra[j]);
            a[j + HALF] += x[k] * hi_half(ra[j]);
            b[j] += x[k] * lo_half(rb[j]);
            b[j + HALF] += x[k] * hi_half(rb[j]);
        }
    }
    memcpy(oa, a, sizeof a);
    memcpy(ob, b, sizeof b);
}

INLINE void block_rows_bf(const uint32_t *wb, int hid, const float *x, float *out, int ostride, int rows) {
    const float *x0 = x, *x1 = x + hid, *x2 = x + 2 * (size_t)hid, *x3 = x + 3 * (size_t)hid;
    for (int s = 0; s < HALF; s += 16) { /* columns s.. and s + HALF.. of the same words */
        float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};
        float b0[16] = {0}, b1[16] = {0}, b2[16] = {0}, b3[16] = {0};
        for (int k = 0; k < hid; k++) {
            const uint32_t *row = wb + (size_t)k * HALF + s;
            for (int j = 0; j < 16; j++) {
                const float lo = lo_half(row[j]), hi = hi_half(row[j]);
                a0[j] += x0[k] * lo;
                a1[j] += x1[k] * lo;
                if (rows > 2) a2[j] += x2[k] * lo;
                if (rows > 3) a3[j] += x3[k] * lo;
                b0[j] += x0[k] * hi;
                b1[j] += x1[k] * hi;
                if (rows > 2) b2[j] += x2[k] * hi;
                if (rows > 3) b3[j] += x3[k] * hi;
            }
        }
        float *o0 = out + s, *o1 = out + ostride + s, *o2 = o1 + ostride, *o3 = o2 + ostride;
        memcpy(o0, a0, sizeof a0);
        memcpy(o0 + HALF, b0, sizeof b0);
        memcpy(o1, a1, sizeof a1);
        memcpy(o1 + HALF, b1, sizeof b1);
        if (rows > 2) memcpy(o2, a2, sizeof a2), memcpy(o2 + HALF, b2, sizeof b2);
        if (rows > 3) memcpy(o3, a3, sizeof a3), memcpy(o3 + HALF, b3, sizeof b3);
    }
}

/* One layer's pass: out (n, cols) = x (n, hid) @ the layer's first `blocks` blocks; odd steps walk the
   blocks backwards, so the blocks read last (still in L2) are read first (same sums, another order). */
INLINE void layer_pass_t(const void *w, int blocks, int hid, const float *x, int n, float *out, int cols,
                         int backwards, int bf) {
    const float *wf = w;
    const uint32_t *wh = w;
    const size_t bsize = (size_t)hid * (bf ? HALF : BW); /* elements of `wf` or words of `wh` per block */
    if (n == 1) { /* batch 1: two blocks per pass over x */
        int i = 0;
        for (; i + 2 <= blocks; i += 2) {
            int b0 = backwards ? blocks - 1 - i : i, b1 = backwards ? b0 - 1 : b0 + 1;
            float *o0 = out + (size_t)b0 * BW, *o1 = out + (size_t)b1 * BW;
            if (bf)
                block1x2_bf(wh + b0 * bsize, wh + b1 * bsize, hid, x, o0, o1);
            else
                block1x2(wf + b0 * bsize, wf + b1 * bsize, hid, x, o0, o1);
        }
        if (i < blocks) {
            int b = backwards ? 0 : blocks - 1;
            if (bf)
                block1_bf(wh + b * bsize, hid, x, out + (size_t)b * BW);
            else
                block1(wf + b * bsize, hid, x, out + (size_t)b * BW);
        }
        return;
    }
    for (int i = 0; i < blocks; i++) {
        int b = backwards ? blocks - 1 - i : i;
        int r = 0;
        for (; r + ROWS <= n; r += ROWS) {
            const float *xr = x + (size_t)r * hid;
            float *o = out + (size_t)r * cols + (size_t)b * BW;
            if (bf)
                block_rows_bf(wh + b * bsize, hid, xr, o, cols, ROWS);
            else
                block_rows(wf + b * bsize, hid, xr, o, cols, ROWS);
        }
        const float *xr = x + (size_t)r * hid;
        float *o = out + (size_t)r * cols + (size_t)b * BW;
        switch ((n - r) * 2 + bf) { /* the last 1-3 rows as one group too */
        case 6: block_rows(wf + b * bsize, hid, xr, o, cols, 3); break;
        case 7: block_rows_bf(wh + b * bsize, hid, xr, o, cols, 3); break;
        case 4: block_rows(wf + b * bsize, hid, xr, o, cols, 2); break;
        case 5: block_rows_bf(wh + b * bsize, hid, xr, o, cols, 2); break;
        case 2: block1(wf + b * bsize, hid, xr, o); break;
        case 3: block1_bf(wh + b * bsize, hid, xr, o); break;
        default: break;
        }
    }
}

/* layer_pass_t over float32 weights (the conditioning and head weights are always float32) */
INLINE void layer_pass(const float *w, int blocks, int hid, const float *x, int n, float *out, int cols,
                       int backwards) {
    layer_pass_t(w, blocks, hid, x, n, out, cols, backwards, 0);
}

/* gates (4H) = rec + (x0 + x1) in PyTorch's order (i, f, g, o) -> new c, h (H); act is scratch (4H).
   Simple loops over restrict pointers, so that each one vectorises. */
INLINE void lstm_cell(const float *restrict rec, const float *restrict x0, const float *restrict x1,
                      float *restrict c, float *restrict h, float *restrict act, int hid) {
    for (int j = 0; j < 4 * hid; j++) act[j] = rec[j] + (x0[j] + x1[j]);
    for (int j = 0; j < 2 * hid; j++) act[j] = sigmoid_approx(act[j]); /* i, f */
    for (int j = 2 * hid; j < 3 * hid; j++) act[j] = tanh_approx(act[j]); /* g */
    for (int j = 3 * hid; j < 4 * hid; j++) act[j] = sigmoid_approx(act[j]); /* o */
    for (int j = 0; j < hid; j++) c[j] = act[hid + j] * c[j] + act[j] * act[2 * hid + j];
    for (int j = 0; j < hid; j++) h[j] = act[3 * hid + j] * tanh_approx(c[j]);
}

typedef struct {
    int layers, n, hid, vocab, length, sample, cond_size, embed_size, head_size;
    int segments, seglen;                    /* length = segments x seglen steps per row: segment s starts
                                                from cond[:, s]'s state and the last token before it */
    int64_t end;                             /* a row stops after this token (then all `end`), or -1 */
    int top_k;                               /* sample >= 2: keep the k largest logits per step, or 0: all */
    int row0, nstride;                       /* these rows' first index in the call, the call's rows */
    const int *head_cols;                    /* per layer: padded columns before the recurrent ones */
    const void *w;                           /* the loop's blocks: float32, or bfloat16 when `bf` */
    const float *table, *bias;               /* layer 0's token projection, biases */
    const float *cond_w, *cond_b;            /* blocks of [W_init | W_ih_0's conditioning part], biases */
    const float *head_w, *head_b, *embed;    /* the head's blocks (H + E rows) and bias, the embeddings */
    const float *cond, *noise;               /* cond (n, segments, C); noise (L, n, V) with W_out's bias in
                                                it, or sample == 3: the uniforms (L, n, V) it is drawn from */
    uint32_t key;                            /* sample == 2: the call's seed of counter_noise */
    const float *temps, *out_bias;           /* sample >= 2: (n, V) temperatures, (V,) W_out's bias */
    const uint8_t *allowed;                  /* sample >= 2: (n, V) the classes allowed, or NULL: all */
    const int64_t *given;                    /* (n, L) when not sampling */
    const int64_t *start;                    /* (n,) the first step's input tokens, or NULL: the start token */
    int64_t *tokens;                         /* out: (n, L) */
    float *head_out;                         /* out: (n, L, K) */
    float *hidden_out;                       /* out: (n, L, H), the top layer per step; or NULL */
    int bf;                                  /* the loop's weights `w` are bfloat16 */
} Job;

static size_t padded(size_t cols) { return (cols + BW - 1) / BW * BW; }

/* layer_pass over the loop's weights from weight `off` on (a block boundary), float32 or bfloat16 (each
   its own code) */
INLINE void loop_pass(const Job *d, size_t off, int blocks, const float *x, int n, float *out, int cols,
                      int backwards) {
    if (d->bf)
        layer_pass_t((const char *)d->w + off * 2, blocks, d->hid, x, n, out, cols, backwards, 1);
    else
        layer_pass_t((const char *)d->w + off * 4, blocks, d->hid, x, n, out, cols, backwards, 0);
}

/* The initial state h, c (layers, n, H) = tanh(cond @ W_init^T + b), as `CoreDecoder.initial_state`, and
   layer 0's per-sequence gates (n, 4H) = b_ih + b_hh + cond @ W_ih_0[:, E:]^T, as `_step_inputs`, of n
   rows of cond (n, C). */
INLINE void start_state(const Job *d, const float *cond, int n, float *scratch, float *h, float *c,
                        float *cond_gates) {
    const int hid = d->hid, g4 = 4 * hid, lh = d->layers * hid;
    const size_t init_cols = padded(2 * (size_t)lh), cols = init_cols + padded(g4);
    layer_pass(d->cond_w, (int)(cols / BW), d->cond_size, cond, n, scratch, (int)cols, 0);
    for (int r = 0; r < n; r++) {
        const float *o = scratch + (size_t)r * cols;
        for (int k = 0; k < d->layers; k++)
            for (int j = 0; j < hid; j++) { /* state (n, 2, layers, H): h first, then c */
                int i = k * hid + j;
                h[((size_t)k * n + r) * hid + j] = tanh_approx(o[i] + d->cond_b[i]);
                c[((size_t)k * n + r) * hid + j] = tanh_approx(o[lh + i] + d->cond_b[lh + i]);
            }
        for (int j = 0; j < g4; j++)
            cond_gates[(size_t)r * g4 + j] = d->cond_b[2 * lh + j] + o[init_cols + j];
    }
}

/* The regression head over every step at once: b + [output, embed(token)] @ W_head^T -> (n, L, K). */
INLINE void head_pass(const Job *d, const float *outputs, float *x, float *scratch) {
    const size_t rows = (size_t)d->n * d->length, in = (size_t)d->hid + d->embed_size;
    const size_t kpad = padded(d->head_size);
    for (size_t i = 0; i < rows; i++) {
        memcpy(x + i * in, outputs + i * d->hid, d->hid * sizeof(float));
        memcpy(x + i * in + d->hid, d->embed + d->tokens[i] * d->embed_size, d->embed_size * sizeof(float));
    }
    layer_pass(d->head_w, (int)(kpad / BW), (int)in, x, (int)rows, scratch, (int)kpad, 0);
    for (size_t i = 0; i < rows; i++)
        for (int j = 0; j < d->head_size; j++)
            d->head_out[i * d->head_size + j] = d->head_b[j] + scratch[i * kpad + j];
}

/* The whole decode. Layer k's packed weights are [head | W_hh] by columns, head = W_ih of layer k + 1,
   or W_out for the last layer; layer 0's input projection is a row of `table` plus the cond gates. */
CLONES static int decode_loop(const Job *d) {
    const int hid = d->hid, n = d->n, g4 = 4 * hid, gpad = (int)padded(g4), last = d->layers - 1;
    size_t offsets[64], out_off[64], cols[64], total = 0, wpos = 0;
    for (int k = 0; k < d->layers; k++) {
        offsets[k] = wpos;
        cols[k] = (size_t)d->head_cols[k] + gpad;
        out_off[k] = total;
        wpos += cols[k] * hid;
        total += cols[k] * n;
    }
    const size_t state = (size_t)d->layers * n * hid, steps = (size_t)n * d->length;
    const size_t start_cols = padded(2 * (size_t)d->layers * hid) + gpad;
    const size_t in = (size_t)hid + d->embed_size, kpad = padded(d->head_size);
    const size_t all = (size_t)n * d->segments; /* every (row, segment): each has its own start state */
    size_t scratch = all * start_cols;
    if (d->head_size && steps * kpad > scratch) scratch = steps * kpad;
    /* all buffers once per call: per layer (n, head | recurrent part), h, c, the cond gates, a cell's
       activations, the previous tokens; with a head, every step's output and the head's inputs */
    float *out = malloc(total * sizeof(float)), *tmp = malloc(scratch * sizeof(float));
    float *h = malloc(state * sizeof(float)), *c = malloc(state * sizeof(float));
    float *cond_gates = malloc((size_t)n * g4 * sizeof(float)), *act = malloc((size_t)g4 * sizeof(float));
    int64_t *prev = malloc((size_t)n * sizeof(int64_t));
    int *ids = malloc((size_t)n * sizeof(int)); /* the caller's row of each active row */
    float *nz_row = d->sample >= 2 ? malloc((size_t)d->vocab * sizeof(float)) : NULL; /* a step's noise */
    float *vals = d->sample ? malloc((size_t)d->vocab * sizeof(float)) : NULL; /* logits + noise */
    const int top_k = d->sample >= 2 && d->top_k > 0 && d->top_k < d->vocab ? d->top_k : 0;
    float *kbuf = top_k ? malloc(2 * (size_t)d->vocab * sizeof(float)) : NULL; /* top-k: logits, selection */
    float *own = d->head_size && !d->hidden_out ? malloc(steps * hid * sizeof(float)) : NULL;
    float *outputs = d->hidden_out ? d->hidden_out : own; /* every step's top layer, for the head */
    float *x = d->head_size ? malloc(steps * in * sizeof(float)) : NULL;
    /* segments > 1: every segment's start state at once (the conditioning weights read once, rows
       sharing each read), h and c (layers, n x segments, H) and the cond gates (n x segments, 4H) */
    float *seg_state = d->segments > 1 ? malloc(all * (2 * (size_t)d->layers * hid + g4) * sizeof(float)) : NULL;
    int status = -1;
    if (!out || !tmp || !h || !c || !cond_gates || !act || !prev || !ids || (d->sample >= 2 && !nz_row) || (d->sample && !vals) || (top_k && !kbuf) ||
        (d->head_size && (!outputs || !x)) || (d->segments > 1 && !seg_state))
        goto done;
    for (int r = 0; r < n; r++) {
        prev[r] = d->start ? d->start[r] : d->vocab; /* e.g. the last bar's last token */
        ids[r] = r;
    }
    int live = n; /* rows still decoding, in slots 0..live-1 (all of them unless `end` stops some) */
    const int defer = d->end >= 0 && d->sample; /* rows may stop: the top recurrent part after the tokens */
    /* segment s (a bar of a bar-linked decoder) starts from its own cond's state and the token before it,
       as a call per segment with `start` = the previous one's last tokens would (`end` takes one segment) */
    float *all_h = seg_state, *all_c = seg_state + state * d->segments, *all_g = all_c + state * d->segments;
    if (seg_state) /* rows of cond in (row, segment) order: row r's segment s is r * segments + s */
        start_state(d, d->cond, (int)all, tmp, all_h, all_c, all_g);
    for (int s = 0, t0 = 0; s < d->segments; s++, t0 += d->seglen) {
        if (seg_state) { /* this segment's start (no `end` with segments: slot r is row r) */
            for (int r = 0; r < n; r++) {
                const size_t from = (size_t)r * d->segments + s;
                for (int k = 0; k < d->layers; k++) {
                    memcpy(h + ((size_t)k * n + r) * hid, all_h + ((size_t)k * all + from) * hid, hid * sizeof(float));
                    memcpy(c + ((size_t)k * n + r) * hid, all_c + ((size_t)k * all + from) * hid, hid * sizeof(float));
                }
                memcpy(cond_gates + (size_t)r * g4, all_g + from * g4, g4 * sizeof(float));
            }
        } else {
            start_state(d, d->cond, n, tmp, h, c, cond_gates);
        }
        for (int k = 0; k < d->layers; k++) { /* the recurrent part of step 0 from the initial state */
            int head_blocks = d->head_cols[k] / BW;
            loop_pass(d, offsets[k] + (size_t)head_blocks * BW * hid, gpad / BW,
                      h + (size_t)k * n * hid, n, out + out_off[k] + (size_t)head_blocks * BW, (int)cols[k], 0);
        }
        for (int t = t0; t < t0 + d->seglen && live; t++) {
            const int n = live; /* this step's rows (shadows the caller's count) */
            for (int k = 0; k < d->layers; k++) {
                float *hk = h + (size_t)k * d->n * hid, *ck = c + (size_t)k * d->n * hid, *ok = out + out_off[k];
                int head_blocks = d->head_cols[k] / BW;
                for (int r = 0; r < n; r++) {
                    const float *rec = ok + (size_t)r * cols[k] + (size_t)head_blocks * BW;
                    const float *x0, *x1;
                    if (k == 0) {
                        x0 = d->table + (size_t)prev[r] * g4;
                        x1 = cond_gates + (size_t)r * g4;
                    } else {
                        x0 = out + out_off[k - 1] + (size_t)r * cols[k - 1];
                        x1 = d->bias + (size_t)k * g4;
                    }
                    lstm_cell(rec, x0, x1, ck + (size_t)r * hid, hk + (size_t)r * hid, act, hid);
                }
                /* the head (next layer's input, or the logits when sampling), then next step's recurrent part;
                   when the tokens are given, the last layer's logits are never needed; with `end`, the top
                   layer's recurrent part waits for the tokens, so that rows that just ended skip it */
                int first = (k == last && !d->sample) ? head_blocks : 0;
                int end = t + 1 < t0 + d->seglen && !(k == last && defer) ? (int)(cols[k] / BW) : head_blocks;
                if (end > first)
                    loop_pass(d, offsets[k] + (size_t)first * BW * hid, end - first, hk, n,
                               ok + (size_t)first * BW, (int)cols[k], t & 1);
            }
            const float *hl = h + (size_t)last * d->n * hid, *ol = out + out_off[last];
            for (int r = 0; r < n; r++) {
                int64_t tok;
                if (d->sample) { /* Gumbel-max: the first largest of logits + noise (noise has out's bias) */
                    const float *lr = ol + (size_t)r * cols[last];
                    const float *nz;
                    if (d->sample == 2) { /* this step's noise of this row only: rows that ended draw none */
                        int id = ids[r];
                        counter_noise(mix32(d->key ^ mix32((uint32_t)(d->row0 + id))), (uint32_t)t * (uint32_t)d->vocab,
                                      d->vocab, d->temps + (size_t)id * d->vocab,
                                      d->allowed ? d->allowed + (size_t)id * d->vocab : NULL, d->out_bias, nz_row);
                        nz = nz_row;
                    } else if (d->sample == 3) { /* the caller's uniforms of this step and row */
                        int id = ids[r];
                        uniform_noise(d->noise + ((size_t)t * d->nstride + d->row0 + id) * d->vocab, d->vocab, d->temps + (size_t)id * d->vocab,
                                      d->allowed ? d->allowed + (size_t)id * d->vocab : NULL, d->out_bias, nz_row);
                        nz = nz_row;
                    } else {
                        nz = d->noise + ((size_t)t * d->nstride + d->row0 + ids[r]) * d->vocab;
                    }
                    if (top_k) /* nz is nz_row here (sample >= 2): the classes outside the top k get -inf */
                        top_k_mask(lr, d->out_bias, d->allowed ? d->allowed + (size_t)ids[r] * d->vocab : NULL,
                                   d->vocab, top_k, nz_row, kbuf, kbuf + d->vocab);
                    tok = first_max(lr, nz, d->vocab, vals);
                } else {
                    tok = d->given[(size_t)ids[r] * d->length + t];
                }
                prev[r] = tok;
                d->tokens[(size_t)ids[r] * d->length + t] = tok;
                if (outputs) /* the head's input, or what the caller asked for */
                    memcpy(outputs + ((size_t)ids[r] * d->length + t) * hid, hl + (size_t)r * hid,
                           hid * sizeof(float));
            }
            if (d->end >= 0) /* rows that wrote `end` are over: `end` to their last step, the last row to their slot */
                for (int r = n - 1; r >= 0; r--) {
                    if (prev[r] != d->end) continue;
                    for (int u = t + 1; u < d->length; u++) d->tokens[(size_t)ids[r] * d->length + u] = d->end;
                    int m = --live; /* slot r takes the last live row (r itself when it is the last) */
                    if (m != r) {
                        for (int k = 0; k < d->layers; k++) {
                            size_t a = ((size_t)k * d->n + r) * hid, b = ((size_t)k * d->n + m) * hid;
                            memcpy(h + a, h + b, hid * sizeof(float));
                            memcpy(c + a, c + b, hid * sizeof(float));
                            memcpy(out + out_off[k] + (size_t)r * cols[k], out + out_off[k] + (size_t)m * cols[k],
                                   cols[k] * sizeof(float));
                        }
                        memcpy(cond_gates + (size_t)r * g4, cond_gates + (size_t)m * g4, g4 * sizeof(float));
                        prev[r] = prev[m];
                        ids[r] = ids[m];
                    }
                }
            if (defer && live && t + 1 < t0 + d->seglen) { /* the top layer's recurrent part, live rows only */
                int head_blocks = d->head_cols[last] / BW;
                loop_pass(d, offsets[last] + (size_t)head_blocks * BW * hid, gpad / BW,
                          h + (size_t)last * d->n * hid, live, out + out_off[last] + (size_t)head_blocks * BW,
                           (int)cols[last], t & 1);
            }
        }
    }
    if (d->head_size) head_pass(d, outputs, x, tmp); /* it does not feed back: once, after the loop */
    status = 0;
done:
    free(out);
    free(tmp);
    free(h);
    free(c);
    free(cond_gates);
    free(act);
    free(prev);
    free(ids);
    free(nz_row);
    free(vals);
    free(kbuf);
    free(own);
    free(x);
    free(seg_state);
    return status;
}

/* Rows are independent sequences: with threads > 1 the call's rows are cut into chunks that the threads
   take one at a time (a thread the OS holds back takes fewer), each decoded as its own call would be;
   every row's arithmetic is the same in any chunk, so the results do not depend on the threads. */
typedef struct {
    const Job *d;
    int chunk, chunks;
    atomic_int *next;
    int status;
} Work;

static Job slice(const Job *d, int row0, int rows) {
    Job s = *d;
    const size_t r = (size_t)row0, L = (size_t)d->length;
    s.n = rows;
    s.row0 = d->row0 + row0;
    s.cond = d->cond + r * d->segments * d->cond_size;
    if (d->given) s.given = d->given + r * L;
    if (d->start) s.start = d->start + r;
    s.tokens = d->tokens + r * L;
    s.head_out = d->head_out + r * L * d->head_size;
    if (d->hidden_out) s.hidden_out = d->hidden_out + r * L * d->hid;
    if (d->temps) s.temps = d->temps + r * d->vocab;
    if (d->allowed) s.allowed = d->allowed + r * d->vocab;
    return s;
}

static void *work(void *arg) {
    Work *w = arg;
    for (;;) {
        int c = atomic_fetch_add(w->next, 1);
        if (c >= w->chunks) break;
        int rows = w->d->n - c * w->chunk < w->chunk ? w->d->n - c * w->chunk : w->chunk;
        Job sub = slice(w->d, c * w->chunk, rows);
        if (decode_loop(&sub)) w->status = -1;
    }
    return NULL;
}

#define MAX_THREADS 16
#define MIN_CHUNK 8 /* rows: two groups of the 4 that share each read of the weights */

static int decode_rows(const Job *d, int threads) {
    int chunk = (d->n + 4 * threads - 1) / (4 * threads); /* ~4 chunks a thread, for the balance */
    if (chunk < MIN_CHUNK) chunk = MIN_CHUNK;
    int chunks = (d->n + chunk - 1) / chunk;
    if (threads > chunks) threads = chunks;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (threads <= 1) return decode_loop(d);
    atomic_int next = 0;
    Work w[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started = 0;
    for (int i = 0; i < threads; i++) w[i] = (Work){d, chunk, chunks, &next, 0};
    for (int i = 1; i < threads; i++) { /* a thread that cannot start leaves its chunks to the others */
        if (pthread_create(&ids[i], NULL, work, &w[i]) != 0) break;
        started = i;
    }
    work(&w[0]);
    int status = w[0].status;
    for (int i = 1; i <= started; i++) {
        pthread_join(ids[i], NULL);
        status |= w[i].status;
    }
    return status;
}

static int need(Py_buffer *b, Py_ssize_t items, Py_ssize_t size, const char *name) {
    if (b->len != items * size) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, expected %zd", name, b->len, items * size);
        return 0;
    }
    return 1;
}

static PyObject *decode(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer b[19];
    memset(b, 0, sizeof b); /* the optional ones: released only when given */
    int layers, n, hid, vocab, length, sample, cond_size, embed_size, head_size;
    long long end = -1, key = 0;
    int threads = 1, segments = 1, top_k = 0;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*y*y*y*y*w*w*w*y*iiiiiiiii|Ly*y*y*Liii", &b[0], &b[1], &b[2],
                          &b[3], &b[4], &b[5], &b[6], &b[7], &b[8], &b[9], &b[10], &b[11], &b[12], &b[13],
                          &b[14], &b[15], &layers, &n, &hid, &vocab, &length, &sample, &cond_size,
                          &embed_size, &head_size, &end, &b[16], &b[17], &b[18], &key, &threads, &segments, &top_k))
        return NULL;
    PyObject *result = NULL;
    const int *head_cols = b[0].buf;
    const Py_ssize_t g4 = 4 * (Py_ssize_t)hid, gpad = (Py_ssize_t)padded(g4);
    const Py_ssize_t nl = (Py_ssize_t)n * length * (segments >= 1 ? segments : 1); /* every step of every row */
    Py_ssize_t wsize = 0;
    /* vocab 0: an LSTM without tokens (the conductor), its tokens given as the one class 0;
       sample 2: the noise drawn in the loop (counter_noise), from temps (n, V), allowed (n, V) or empty,
       out_bias (V,) and key; the step * V + class counter must fit 32 bits; sample 3: the same but from
       the uniforms (L, n, V) in `noise`; segments > 1: `length` steps per segment, cond (n, segments, C),
       the other arrays' L is segments x length (no `end`, no counter noise); top_k > 0 (sample 2 or 3):
       classes outside each step's k largest logits get no chance */
    int ok = layers >= 1 && layers <= 64 && n >= 1 && hid >= 1 && vocab >= (sample ? 1 : 0) && length >= 1 &&
             sample >= 0 && sample <= 3 && segments >= 1 && (segments == 1 || (end < 0 && sample != 2)) &&
             (long long)length * segments <= 0x7fffffffLL && cond_size >= 1 && embed_size >= 0 && head_size >= 0 &&
             end >= -1 && end <= vocab && key >= 0 && key <= 0xffffffffLL && threads >= 1 &&
             top_k >= 0 && (top_k == 0 || sample >= 2) && /* top-k reads the temps, allowed and out_bias */
             (sample != 2 || (long long)length * vocab <= 0xffffffffLL) &&
             (end < 0 || (head_size == 0 && b[14].len == 0)) && /* a stopped row has no later outputs */
             need(&b[0], layers, sizeof(int), "head_cols");
    for (int k = 0; ok && k < layers; k++) {
        ok = head_cols[k] >= 0 && head_cols[k] % BW == 0 &&
             head_cols[k] >= (k < layers - 1 ? g4 : (Py_ssize_t)vocab);
        wsize += ((Py_ssize_t)head_cols[k] + gpad) * hid;
    }
    if (!ok) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "bad decoder dimensions");
        goto done;
    }
    const Py_ssize_t start_cols = (Py_ssize_t)padded(2 * (size_t)layers * hid) + gpad;
    const Py_ssize_t kpad = (Py_ssize_t)padded(head_size), in = (Py_ssize_t)hid + embed_size;
    const int counter = sample >= 2; /* 2: counter_noise; 3: noise from the uniforms in `noise` */
    const int bf = b[1].len == wsize * 2; /* bfloat16 weights: half the bytes of float32 */
    if (!(bf || need(&b[1], wsize, 4, "weights")) || !need(&b[2], (vocab + 1) * g4, 4, "table") ||
        !need(&b[3], layers * g4, 4, "bias") || !need(&b[4], cond_size * start_cols, 4, "cond_w") ||
        !need(&b[5], 2 * (Py_ssize_t)layers * hid + g4, 4, "cond_b") ||
        !need(&b[6], in * kpad, 4, "head_w") || !need(&b[7], head_size, 4, "head_b") ||
        !need(&b[8], head_size ? (vocab + 1) * (Py_ssize_t)embed_size : 0, 4, "embed") ||
        !need(&b[9], (Py_ssize_t)n * segments * cond_size, 4, "cond") ||
        !need(&b[10], sample == 1 || sample == 3 ? nl * vocab : 0, 4, "noise") || !need(&b[11], sample ? 0 : nl, 8, "given") ||
        !need(&b[12], nl, 8, "tokens") || !need(&b[13], nl * head_size, 4, "head_out") ||
        (b[14].len && !need(&b[14], nl * hid, 4, "hidden_out")) ||
        (b[15].len && !need(&b[15], n, 8, "start")) || !need(&b[16], counter ? (Py_ssize_t)n * vocab : 0, 4, "temps") ||
        (b[17].len && !need(&b[17], counter ? (Py_ssize_t)n * vocab : 0, 1, "allowed")) ||
        !need(&b[18], counter ? vocab : 0, 4, "out_bias"))
        goto done;
    if (b[15].len) { /* a start token indexes the table too */
        const int64_t *st = b[15].buf;
        for (int r = 0; r < n; r++)
            if (st[r] < 0 || st[r] > vocab) {
                PyErr_Format(PyExc_IndexError, "start token %lld outside 0..%d", (long long)st[r], vocab);
                goto done;
            }
    }
    if (!sample) { /* a bad token would index outside the table */
        const int64_t *g = b[11].buf;
        for (Py_ssize_t i = 0; i < nl; i++)
            if (g[i] < 0 || g[i] > vocab) {
                PyErr_Format(PyExc_IndexError, "given token %lld outside 0..%d", (long long)g[i], vocab);
                goto done;
            }
    }
    Job d = {layers,    n,         hid,       vocab,     length * segments, sample, cond_size, embed_size,
             head_size, segments, length, end,       top_k,     0,         n,         head_cols, b[1].buf,  b[2].buf,  b[3].buf,  b[4].buf,  b[5].buf,
             b[6].buf,  b[7].buf,  b[8].buf,  b[9].buf,  b[10].buf, (uint32_t)key, b[16].buf, b[18].buf,
             b[17].len ? b[17].buf : NULL, b[11].buf, b[15].len ? b[15].buf : NULL,
             b[12].buf, b[13].buf, b[14].len ? b[14].buf : NULL};
    d.bf = bf;
    int status;
    Py_BEGIN_ALLOW_THREADS /* the GUI thread runs on while a worker decodes */
    status = decode_rows(&d, threads);
    Py_END_ALLOW_THREADS
    if (status) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    for (int i = 0; i < 19; i++) PyBuffer_Release(&b[i]);
    return result;
}

/* torch.rand's uniforms for a CPU torch.Generator, fast: MT19937 (Matsumoto and Nishimura 1998, the
   generator torch's CPU generator is) continued from the caller's state key (624,) at position pos (624:
   twist first), and u = (y & (2^24 - 1)) 2^-24 per 32-bit output, as torch's uniform_real_distribution
   for float32 maps them. torch draws them one call at a time through its dispatcher (~9 ns each here);
   this loop takes ~1.5 ns. Returns the new position. models/fast_decode.py `torch_uniforms` reads and
   writes the generator's state around it. */
static void mt_twist(uint32_t *restrict mt) {
    /* the standard recurrence in three runs, so that no index wraps inside a loop */
#define MT_STEP(i, j, k)                                                                                   \
    do {                                                                                                   \
        uint32_t y = (mt[i] & 0x80000000U) | (mt[j] & 0x7fffffffU);                                        \
        mt[i] = mt[k] ^ (y >> 1) ^ ((0U - (y & 1U)) & 0x9908b0dfU);                                        \
    } while (0)
    int i = 0;
    for (; i < 624 - 397; i++) MT_STEP(i, i + 1, i + 397);
    for (; i < 623; i++) MT_STEP(i, i + 1, i + 397 - 624);
    MT_STEP(623, 0, 396);
#undef MT_STEP
}

static PyObject *mt_uniforms(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer key, out;
    int pos;
    if (!PyArg_ParseTuple(args, "w*iw*", &key, &pos, &out)) return NULL;
    PyObject *result = NULL;
    if (key.len != 624 * 4 || pos < 0 || pos > 624 || out.len % 4) {
        PyErr_SetString(PyExc_ValueError, "mt_uniforms: key (624,) uint32, pos 0..624, out float32");
        goto done;
    }
    uint32_t *restrict mt = key.buf;
    float *restrict u = out.buf;
    Py_ssize_t n = out.len / 4;
    for (Py_ssize_t i = 0; i < n;) {
        if (pos >= 624) {
            mt_twist(mt);
            pos = 0;
        }
        Py_ssize_t take = 624 - pos < n - i ? 624 - pos : n - i;
        for (Py_ssize_t j = 0; j < take; j++) { /* tempering, then the 24 low bits as torch keeps them */
            uint32_t y = mt[pos + j];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c5680U;
            y ^= (y << 15) & 0xefc60000U;
            y ^= y >> 18;
            u[i + j] = (float)(y & 0xffffffU) * 0x1p-24f;
        }
        i += take;
        pos += (int)take;
    }
    result = PyLong_FromLong(pos);
done:
    PyBuffer_Release(&key);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_VARARGS,
     "decode(head_cols, weights (float32, or bfloat16 pairs: half the bytes), table, bias, cond_w, "
     "cond_b, head_w, head_b, embed, cond, noise, given, "
     "tokens, head_out, hidden_out, start, layers, n, hidden, vocab, length, sample, cond_size, "
     "embed_size, head_size, end=-1, temps, allowed, out_bias, key, threads=1, segments=1, top_k=0): "
     "CoreDecoder.sample (segments > 1: bar-linked) and Conductor.forward; see models/fast_decode.py"},
    {"mt_uniforms", mt_uniforms, METH_VARARGS,
     "mt_uniforms(key, pos, out) -> pos: torch.rand's float32 uniforms from an MT19937 state (key uint32 "
     "(624,), position 0..624), written to out; see models/fast_decode.py torch_uniforms"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_lstm_kernel", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__lstm_kernel(void) {
    PyObject *m = PyModule_Create(&module);
    if (m) PyModule_AddIntConstant(m, "BLOCK", BW);
    /* what models/fast_decode.py needs of this file: 2 = `segments` and `mt_uniforms`, 3 = the row passes
       in register tiles (`block_rows`), 4 = `top_k`, 5 = bfloat16 weights; a build older than the Python
       code reads as no kernel (the NumPy loop runs) until it is rebuilt */
    if (m) PyModule_AddIntConstant(m, "API", 5);
    return m;
}
