/*
 * The element-wise LSTM step of lib/nn/lstm-kernels.ts in C: the same operations in the same order,
 * in double, rounded to float where the JS stores into a Float32Array, so the same bits. Rows
 * [b0, b1) of the batch; each row depends on nothing but itself, so rows can be split among threads.
 * Gate layout (PyTorch): blocks i, f, g, o of 4H; s holds the sigmoids, the g block as sigmoid(2z).
 */
#include "loops.h"

/* c = f*cPrev + i*(2*sg - 1) and c2 = 2c. s: [B, 4H]; cPrev, c, c2: [B, H]. */
static void lab4_lstm_fwd_cell(int64_t b0, int64_t b1, int64_t H, const float *s, const float *cPrev, float *c, float *c2) {
  for (int64_t b = b0; b < b1; b++) {
    const float *r = s + b * 4 * H;
    const int64_t o = b * H;
    for (int64_t j = 0; j < H; j++) {
      double cc = (double)r[H + j] * cPrev[o + j] + (double)r[j] * (2 * (double)r[2 * H + j] - 1);
      c[o + j] = (float)cc;
      c2[o + j] = (float)(2 * cc);
    }
  }
}

/* tc = 2u - 1 (tanh c from u = sigmoid(2c)) and h = o*tc. s: [B, 4H]; u, h, tc: [B, H]. */
static void lab4_lstm_fwd_out(int64_t b0, int64_t b1, int64_t H, const float *s, const float *u, float *h, float *tc) {
  for (int64_t b = b0; b < b1; b++) {
    const float *o4 = s + b * 4 * H + 3 * H;
    const int64_t o = b * H;
    for (int64_t j = 0; j < H; j++) {
      double t = 2 * (double)u[o + j] - 1;
      tc[o + j] = (float)t;
      h[o + j] = (float)((double)o4[j] * t);
    }
  }
}

/*
 * One step backward (lstm-kernels.ts's bwdCell). s [B, 4H], cPrev and tc [B, H]; optional (NULL):
 * dA (row stride dAStride, times mask when given), dhRec (row stride rStride), dcRec [B, H].
 * Writes dG [B, 4H] and dcPrev [B, H].
 */
static void lab4_lstm_bwd_cell(int64_t b0, int64_t b1, int64_t H, const float *s, const float *cPrev, const float *tc, const float *dA,
                               int64_t dAStride, const float *mask, const float *dhRec, int64_t rStride, const float *dcRec, float *dG,
                               float *dcPrev) {
  for (int64_t b = b0; b < b1; b++) {
    const float *r = s + b * 4 * H;
    float *g = dG + b * 4 * H;
    const int64_t o = b * H;
    for (int64_t j = 0; j < H; j++) {
      double dh = 0;
      if (dA) dh = mask ? (double)dA[b * dAStride + j] * mask[o + j] : (double)dA[b * dAStride + j];
      if (dhRec) dh += dhRec[b * rStride + j];
      double iv = r[j], fv = r[H + j], gv = 2 * (double)r[2 * H + j] - 1, ov = r[3 * H + j];
      double t = tc[o + j];
      double dc = dh * ov * (1 - t * t);
      if (dcRec) dc += dcRec[o + j];
      g[j] = (float)(dc * gv * iv * (1 - iv));
      g[H + j] = (float)(dc * cPrev[o + j] * fv * (1 - fv));
      g[2 * H + j] = (float)(dc * iv * (1 - gv * gv));
      g[3 * H + j] = (float)(dh * t * ov * (1 - ov));
      dcPrev[o + j] = (float)(dc * fv);
    }
  }
}
