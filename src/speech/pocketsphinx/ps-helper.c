/*
 * ps-helper: a warm PocketSphinx decoder behind a framed stdin/stdout protocol.
 *
 * Owns: one loaded acoustic model + dictionary + language model for the life of the process,
 * so an utterance costs only its decode time (model load is paid once). The Node side
 * (src/speech/pocketsphinx/worker-pool.ts) keeps a pool of these processes, off the event loop.
 *
 * Protocol (requests on stdin, one JSON line per request on stdout):
 *   G <name> <nbytes>\n<nbytes of JSGF text>    add/replace a grammar search called <name>
 *   U <name>\n                                  remove search <name>
 *   D <name|-> <nsamples> <nbest>\n<nsamples*2 bytes PCM16LE 16 kHz mono>
 *                                               decode with search <name> ('-' = language model)
 * Replies: {"ok":true,...} or {"ok":false,"error":"..."}. First line: {"ready":true,"loadMs":N}.
 * Arguments are PocketSphinx options (-hmm, -dict, -lm, ...), passed through to the decoder.
 */
#include <pocketsphinx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void json_str(const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { putchar('\\'); putchar(c); }
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void reply_error(const char *msg) {
  printf("{\"ok\":false,\"error\":");
  json_str(msg);
  printf("}\n");
  fflush(stdout);
}

static int read_exact(void *buf, size_t n) {
  return fread(buf, 1, n, stdin) == n;
}

/* Words are joined by spaces; filler/silence tokens such as <s>, </s>, <sil>, [NOISE] are dropped. */
static void clean_hyp(const char *in, char *out, size_t cap) {
  size_t o = 0;
  const char *p = in ? in : "";
  while (*p) {
    while (*p == ' ') p++;
    const char *start = p;
    while (*p && *p != ' ') p++;
    size_t len = (size_t)(p - start);
    if (len == 0) break;
    if (start[0] == '<' || start[0] == '[' || start[0] == '+') continue;
    if (o + len + 2 >= cap) break;
    if (o) out[o++] = ' ';
    memcpy(out + o, start, len);
    o += len;
    /* strip alternate-pronunciation suffix "word(2)" */
    if (out[o - 1] == ')') {
      size_t k = o;
      while (k > 0 && out[k - 1] != '(') k--;
      if (k > 1) o = k - 1;
    }
  }
  out[o] = 0;
}

int main(int argc, char *argv[]) {
  double t0 = now_ms();
  cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
  if (!config) { reply_error("bad decoder arguments"); return 2; }
  ps_decoder_t *ps = ps_init(config);
  if (!ps) { reply_error("decoder init failed"); return 3; }
  const char *lm_search = ps_get_search(ps);
  char lm_name[64];
  snprintf(lm_name, sizeof lm_name, "%s", lm_search ? lm_search : "_default");
  logmath_t *lmath = ps_get_logmath(ps);
  printf("{\"ready\":true,\"loadMs\":%.1f}\n", now_ms() - t0);
  fflush(stdout);

  char line[1024];
  int16 *audio = NULL;
  size_t audio_cap = 0;
  static char hyp_buf[8192];

  while (fgets(line, sizeof line, stdin)) {
    char name[256];
    if (line[0] == 'G') {
      long nbytes = 0;
      if (sscanf(line, "G %255s %ld", name, &nbytes) != 2 || nbytes <= 0 || nbytes > (1 << 22)) { reply_error("bad G"); continue; }
      char *text = malloc((size_t)nbytes + 1);
      if (!text || !read_exact(text, (size_t)nbytes)) { free(text); reply_error("short grammar"); break; }
      text[nbytes] = 0;
      int rv = ps_set_jsgf_string(ps, name, text);
      free(text);
      if (rv < 0) reply_error("grammar rejected");
      else { printf("{\"ok\":true}\n"); fflush(stdout); }
    } else if (line[0] == 'U') {
      if (sscanf(line, "U %255s", name) != 1) { reply_error("bad U"); continue; }
      ps_unset_search(ps, name);
      printf("{\"ok\":true}\n");
      fflush(stdout);
    } else if (line[0] == 'D') {
      long nsamples = 0;
      int nbest = 0;
      if (sscanf(line, "D %255s %ld %d", name, &nsamples, &nbest) != 3 || nsamples < 0 || nsamples > 16000L * 600) { reply_error("bad D"); continue; }
      if ((size_t)nsamples > audio_cap) {
        audio_cap = (size_t)nsamples;
        audio = realloc(audio, audio_cap * sizeof(int16));
        if (!audio) { reply_error("out of memory"); return 4; }
      }
      if (nsamples > 0 && !read_exact(audio, (size_t)nsamples * sizeof(int16))) { reply_error("short audio"); break; }
      double t1 = now_ms();
      const char *search = strcmp(name, "-") == 0 ? lm_name : name;
      if (ps_set_search(ps, search) < 0) { reply_error("unknown search"); continue; }
      if (ps_start_utt(ps) < 0) { reply_error("start_utt failed"); continue; }
      ps_process_raw(ps, audio, (size_t)nsamples, FALSE, TRUE);
      ps_end_utt(ps);
      int32 score = 0;
      const char *hyp = ps_get_hyp(ps, &score);
      int32 prob = ps_get_prob(ps);
      clean_hyp(hyp, hyp_buf, sizeof hyp_buf);
      printf("{\"ok\":true,\"hyp\":");
      json_str(hyp_buf);
      /* Frames the hypothesis' words cover (fillers and silences excluded): a grammar absorbs
       * out-of-grammar speech as fillers, so few word frames in a long utterance say "forced". */
      int word_frames = 0;
      for (ps_seg_t *seg = hyp ? ps_seg_iter(ps) : NULL; seg; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        int sf = 0, ef = 0;
        ps_seg_frames(seg, &sf, &ef);
        if (w && w[0] != '<' && w[0] != '[' && w[0] != '+' && ef >= sf) word_frames += ef - sf + 1;
      }
      printf(",\"score\":%d,\"posterior\":%.6f,\"frames\":%d,\"wordFrames\":%d,\"nbest\":[", score,
             hyp ? logmath_exp(lmath, prob) : 0.0, ps_get_n_frames(ps), word_frames);
      if (nbest > 0 && hyp) {
        ps_nbest_t *it = ps_nbest(ps);
        int n = 0, guard = 0;
        char seen[8][512];
        while (it && n < nbest && guard < nbest * 8) {
          guard++;
          int32 s = 0;
          const char *h = ps_nbest_hyp(it, &s);
          char clean[512];
          clean_hyp(h, clean, sizeof clean);
          int dup = 0;
          for (int k = 0; k < n && k < 8; k++) if (strcmp(seen[k], clean) == 0) dup = 1;
          if (h && !dup && n < 8) {
            snprintf(seen[n], sizeof seen[n], "%s", clean);
            if (n) putchar(',');
            printf("{\"hyp\":");
            json_str(clean);
            printf(",\"score\":%d}", s);
            n++;
          }
          it = ps_nbest_next(it);
        }
        if (it) ps_nbest_free(it);
      }
      printf("],\"decodeMs\":%.1f}\n", now_ms() - t1);
      fflush(stdout);
    } else {
      reply_error("unknown command");
    }
  }
  free(audio);
  ps_free(ps);
  cmd_ln_free_r(config);
  return 0;
}
