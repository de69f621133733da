// SPDX-License-Identifier: MIT
/* The CPU step loop of CoreDecoder.sample in C (models/fast_decode.py packs the weights and calls it).

At batch 1 a decoding step is a matrix-vector product over weights that do not fit the L2 cache
(drums_2bar: 1.5 MB per step), so the loop is memory-bound: the kernel reads each weight once per step,
in 64-column blocks laid out contiguously, with the accumulators in registers, and does the LSTM cell,
the argmax and the bookkeeping in between without returning to Python. Same arithmetic as the NumPy loop
(models/decoders.py `_decode_steps`) up to float32 rounding: each output is summed over k in order, and
tanh is a polynomial (Cephes) within 1 ulp that vectorises, where libm's tanhf is a scalar call.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
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

/* out[cols of block wb] = x @ wb, wb (hid, BW); the accumulators stay in registers */
INLINE void block1(const float *wb, int hid, const float *x, float *out) {
    float acc[BW] = {0};
    for (int k = 0; k < hid; k++) {
        const float *row = wb + (size_t)k * BW;
        for (int j = 0; j < BW; j++) acc[j] += x[k] * row[j];
    }
    memcpy(out, acc, sizeof acc);
}

/* the same for ROWS rows of x (stride hid) and out (stride ostride), sharing each read of a block row */
INLINE void block4(const float *wb, int hid, const float *x, float *out, int ostride) {
    float a0[BW] = {0}, a1[BW] = {0}, a2[BW] = {0}, a3[BW] = {0};
    const float *x0 = x, *x1 = x + hid, *x2 = x + 2 * hid, *x3 = x + 3 * hid;
    for (int k = 0; k < hid; k++) {
        const float *row = wb + (size_t)k * BW;
        for (int j = 0; j < BW; j++) {
            a0[j] += x0[k] * row[j];
            a1[j] += x1[k] * row[j];
            a2[j] += x2[k] * row[j];
            a3[j] += x3[k] * row[j];
        }
    }
    memcpy(out, a0, sizeof a0);
    memcpy(out + ostride, a1, sizeof a1);
    memcpy(out + 2 * (size_t)ostride, a2, sizeof a2);
    memcpy(out + 3 * (size_t)ostride, a3, sizeof a3);
}

/* One layer's pass: out (n, cols) = x (n, hid) @ the layer's first `blocks` blocks; odd steps walk the
   blocks backwards, so the blocks read last (still in L2) are read first (same sums, another order). */
INLINE void layer_pass(const float *w, int blocks, int hid, const float *x, int n, float *out, int cols,
                       int backwards) {
    for (int i = 0; i < blocks; i++) {
        int b = backwards ? blocks - 1 - i : i;
        const float *wb = w + (size_t)b * hid * BW;
        int r = 0;
        for (; r + ROWS <= n; r += ROWS)
            block4(wb, hid, x + (size_t)r * hid, out + (size_t)r * cols + (size_t)b * BW, cols);
        for (; r < n; r++) block1(wb, hid, x + (size_t)r * hid, out + (size_t)r * cols + (size_t)b * BW);
    }
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
    int layers, n, hid, vocab, length, sample; /* sample: 1 draws tokens with noise, 0 takes `given` */
    const int *head_cols;                        /* per layer: padded columns before the recurrent ones */
} Dims;

/* The whole decode. Layer k's packed weights are [head | W_hh] by columns, head = W_ih of layer k + 1,
   or W_out for the last layer; layer 0's input projection is a row of `table` plus `cond_gates`. */
CLONES static int decode_loop(const Dims *d, const float *w, const float *table, const float *cond_gates,
                              const float *bias, float *h, float *c, const float *noise, const int64_t *given,
                              int64_t *tokens, float *outputs) {
    const int hid = d->hid, n = d->n, g4 = 4 * hid, gpad = (g4 + BW - 1) / BW * BW;
    size_t offsets[64], out_off[64], cols[64], total = 0, wpos = 0;
    for (int k = 0; k < d->layers; k++) {
        offsets[k] = wpos;
        cols[k] = (size_t)d->head_cols[k] + gpad;
        out_off[k] = total;
        wpos += cols[k] * hid;
        total += cols[k] * n;
    }
    float *out = malloc(total * sizeof(float)); /* per layer (n, head | recurrent part) */
    float *act = malloc((size_t)g4 * sizeof(float));
    int64_t *prev = malloc((size_t)n * sizeof(int64_t));
    if (!out || !act || !prev) {
        free(out);
        free(act);
        free(prev);
        return -1;
    }
    const int last = d->layers - 1;
    for (int k = 0; k < d->layers; k++) { /* the recurrent part of step 0 from the initial state */
        int head_blocks = d->head_cols[k] / BW;
        layer_pass(w + offsets[k] + (size_t)head_blocks * BW * hid, gpad / BW, hid, h + (size_t)k * n * hid,
                   n, out + out_off[k] + (size_t)head_blocks * BW, (int)cols[k], 0);
    }
    for (int r = 0; r < n; r++) prev[r] = d->vocab; /* the start token */
    for (int t = 0; t < d->length; t++) {
        for (int k = 0; k < d->layers; k++) {
            float *hk = h + (size_t)k * n * hid, *ck = c + (size_t)k * n * hid, *ok = out + out_off[k];
            int head_blocks = d->head_cols[k] / BW;
            for (int r = 0; r < n; r++) {
                const float *rec = ok + (size_t)r * cols[k] + (size_t)head_blocks * BW;
                const float *x0, *x1;
                if (k == 0) {
                    x0 = table + (size_t)prev[r] * g4;
                    x1 = cond_gates + (size_t)r * g4;
                } else {
                    x0 = out + out_off[k - 1] + (size_t)r * cols[k - 1];
                    x1 = bias + (size_t)k * g4;
                }
                lstm_cell(rec, x0, x1, ck + (size_t)r * hid, hk + (size_t)r * hid, act, hid);
            }
            /* the head (next layer's input, or the logits when sampling), then next step's recurrent part;
               when the tokens are given, the last layer's logits are never needed */
            int first = (k == last && !d->sample) ? head_blocks : 0;
            int end = t + 1 < d->length ? (int)(cols[k] / BW) : head_blocks;
            if (end > first)
                layer_pass(w + offsets[k] + (size_t)first * BW * hid, end - first, hid, hk, n,
                           ok + (size_t)first * BW, (int)cols[k], t & 1);
        }
        const float *hl = h + (size_t)last * n * hid, *ol = out + out_off[last];
        for (int r = 0; r < n; r++) {
            int64_t tok;
            if (d->sample) { /* Gumbel-max: the first largest of logits + noise (noise has out's bias) */
                const float *lr = ol + (size_t)r * cols[last];
                const float *nz = noise + ((size_t)t * n + r) * d->vocab;
                float best = -INFINITY;
                tok = 0;
                for (int j = 0; j < d->vocab; j++) {
                    float v = lr[j] + nz[j];
                    if (v > best) {
                        best = v;
                        tok = j;
                    }
                }
            } else {
                tok = given[(size_t)r * d->length + t];
            }
            prev[r] = tok;
            tokens[(size_t)r * d->length + t] = tok;
            memcpy(outputs + ((size_t)r * d->length + t) * hid, hl + (size_t)r * hid, hid * sizeof(float));
        }
    }
    free(out);
    free(act);
    free(prev);
    return 0;
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
    Py_buffer w, table, cond, bias, h, c, noise, given, tokens, outputs, head;
    int layers, n, hid, vocab, length, sample;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*w*y*y*w*w*y*iiiiii", &w, &table, &cond, &bias, &h, &c, &noise,
                          &given, &tokens, &outputs, &head, &layers, &n, &hid, &vocab, &length, &sample))
        return NULL;
    Py_buffer *all[] = {&w, &table, &cond, &bias, &h, &c, &noise, &given, &tokens, &outputs, &head};
    PyObject *result = NULL;
    const int *head_cols = head.buf;
    Py_ssize_t g4 = 4 * (Py_ssize_t)hid, gpad = (g4 + BW - 1) / BW * BW, wsize = 0;
    int ok = layers >= 1 && layers <= 64 && n >= 1 && hid >= 1 && vocab >= 1 && length >= 1 &&
             need(&head, layers, sizeof(int), "head_cols");
    for (int k = 0; ok && k < layers; k++) {
        ok = head_cols[k] >= 0 && head_cols[k] % BW == 0 &&
             head_cols[k] >= (k < layers - 1 ? g4 : (Py_ssize_t)vocab);
        wsize += ((Py_ssize_t)head_cols[k] + gpad) * hid;
    }
    if (!ok) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "bad decoder dimensions");
        goto done;
    }
    if (!need(&w, wsize, 4, "weights") || !need(&table, (vocab + 1) * g4, 4, "table") ||
        !need(&cond, n * g4, 4, "cond_gates") || !need(&bias, layers * g4, 4, "bias") ||
        !need(&h, (Py_ssize_t)layers * n * hid, 4, "h") || !need(&c, (Py_ssize_t)layers * n * hid, 4, "c") ||
        !need(&tokens, (Py_ssize_t)n * length, 8, "tokens") ||
        !need(&outputs, (Py_ssize_t)n * length * hid, 4, "outputs") ||
        (sample && !need(&noise, (Py_ssize_t)length * n * vocab, 4, "noise")) ||
        (!sample && !need(&given, (Py_ssize_t)n * length, 8, "given")))
        goto done;
    if (!sample) { /* a bad token would index outside the table */
        const int64_t *g = given.buf;
        for (Py_ssize_t i = 0; i < (Py_ssize_t)n * length; i++)
            if (g[i] < 0 || g[i] > vocab) {
                PyErr_Format(PyExc_IndexError, "given token %lld outside 0..%d", (long long)g[i], vocab);
                goto done;
            }
    }
    Dims d = {layers, n, hid, vocab, length, sample, head_cols};
    int status;
    Py_BEGIN_ALLOW_THREADS /* the GUI thread runs on while a worker decodes */
    status = decode_loop(&d, w.buf, table.buf, cond.buf, bias.buf, h.buf, c.buf, noise.buf, given.buf,
                         tokens.buf, outputs.buf);
    Py_END_ALLOW_THREADS
    if (status) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) PyBuffer_Release(all[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_VARARGS,
     "decode(weights, table, cond_gates, bias, h, c, noise, given, tokens, outputs, head_cols, layers, n, "
     "hidden, vocab, length, sample): the step loop; see models/fast_decode.py"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_lstm_kernel", NULL, -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__lstm_kernel(void) {
    PyObject *m = PyModule_Create(&module);
    if (m) PyModule_AddIntConstant(m, "BLOCK", BW);
    return m;
}
