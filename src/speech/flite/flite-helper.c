/*
 * flite-helper: warm flite voices behind a framed stdin/stdout protocol, streaming each
 * sentence's audio while it is being made.
 *
 * Why: the `flite` command costs a process start, a voice registration and two temporary files
 * per sentence, and hands over nothing until the whole sentence is synthesised. Here the voices
 * stay registered for the life of the process, the text arrives on stdin (never on a command line:
 * other local users can read argv), and flite's audio streaming callback hands out the waveform
 * as its LPC resynthesis produces it: the first 50 ms of a sentence leave after about a third of
 * the sentence's synthesis time. The Node side (flite-pool.ts) keeps a pool of these processes.
 *
 * Protocol
 *   request  S <voice> <duration stretch> <nbytes>\n<nbytes of UTF-8 text>
 *   replies  one byte kind + u32 little-endian payload length + payload:
 *            'R' ready (once, at start) · 'A' PCM16LE 8 kHz mono samples · 'E' end of sentence ·
 *            'X' error text (end of sentence)
 *
 * 16 kHz voices are decimated to 8 kHz here with the speech module's low-pass (47-tap Blackman
 * windowed sinc, cutoff 3.8 kHz, src/speech/audio/resample.ts), streaming: an output sample
 * leaves once the input samples under its filter window exist.
 *
 * Declarations: Debian ships the flite libraries (libflite1, a dependency of the `flite` command)
 * without headers unless flite1-dev is installed, so the few types and functions used are declared
 * here as flite 2.x's include/ defines them (cst_wave.h, cst_voice.h, cst_audio.h, flite.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cst_wave_struct {
  const char *type;
  int sample_rate;
  int num_samples;
  int num_channels;
  short *samples;
} cst_wave;
typedef struct cst_features_struct cst_features;
typedef struct cst_val_struct cst_val;
typedef struct cst_voice_struct {
  const char *name;
  cst_features *features;
  cst_features *ffunctions;
  void *utt_init;
} cst_voice;
typedef struct cst_audio_streaming_info_struct {
  int min_buffsize;
  int (*asc)(const cst_wave *w, int start, int size, int last, struct cst_audio_streaming_info_struct *asi);
  const void *utt;
  const void *item;
  void *userdata;
} cst_audio_streaming_info;

int flite_init(void);
float flite_text_to_speech(const char *text, cst_voice *voice, const char *outtype);
void flite_feat_set_float(cst_features *f, const char *name, float v);
void feat_set(cst_features *f, const char *name, const cst_val *v);
float get_param_float(const cst_features *f, const char *name, float def);
cst_audio_streaming_info *new_audio_streaming_info(void);
cst_val *audio_streaming_info_val(const cst_audio_streaming_info *v);
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);

#define CST_AUDIO_STREAM_CONT 0
/* Samples (at the voice's rate) flite accumulates before each callback: 50 ms at 16 kHz. */
#define STREAM_CHUNK 800

#define TAPS 47
#define DELAY 23
static double low_pass[TAPS];

static void design_low_pass(void) {
  const double cutoff = 3800.0 / 16000.0;
  double sum = 0;
  for (int n = 0; n < TAPS; n++) {
    int m = n - DELAY;
    double sinc = m == 0 ? 2 * cutoff : sin(2 * M_PI * cutoff * m) / (M_PI * m);
    double w = 0.42 - 0.5 * cos((2 * M_PI * n) / (TAPS - 1)) + 0.08 * cos((4 * M_PI * n) / (TAPS - 1));
    low_pass[n] = sinc * w;
    sum += low_pass[n];
  }
  for (int n = 0; n < TAPS; n++) low_pass[n] /= sum;
}

static void frame(char kind, const void *payload, uint32_t len) {
  unsigned char head[5] = {(unsigned char)kind, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, (len >> 24) & 0xff};
  fwrite(head, 1, 5, stdout);
  if (len) fwrite(payload, 1, len, stdout);
  fflush(stdout);
}

/* One sentence in flight: the voice's samples so far, and how many 8 kHz samples have left. */
static struct {
  short *in;
  int cap, have, sent;
  int rate;
  short *out;
  int out_cap;
} job;

static int16_t clip16(double v) {
  /* Math.round (the TypeScript resampler): halves round up. */
  double r = floor(v + 0.5);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : (int16_t)r;
}

/* Hand out every 8 kHz sample whose filter window is complete (all of them at the end). */
static void emit(int last) {
  int n = job.have;
  int upto;
  if (job.rate == 8000) {
    upto = n;
  } else {
    upto = last ? n / 2 : n > DELAY ? (n - DELAY - 1) / 2 + 1 : 0;
    if (upto > n / 2) upto = n / 2;
  }
  int count = upto - job.sent;
  if (count <= 0) return;
  if (count > job.out_cap) {
    job.out_cap = count * 2;
    job.out = realloc(job.out, sizeof(short) * job.out_cap);
  }
  for (int i = 0; i < count; i++) {
    int m = job.sent + i;
    if (job.rate == 8000) {
      job.out[i] = job.in[m];
      continue;
    }
    int centre = 2 * m;
    int kmin = centre + DELAY - (n - 1);
    if (kmin < 0) kmin = 0;
    int kmax = centre + DELAY < TAPS - 1 ? centre + DELAY : TAPS - 1;
    double acc = 0;
    for (int k = kmin; k <= kmax; k++) acc += low_pass[k] * job.in[centre + DELAY - k];
    job.out[i] = clip16(acc);
  }
  job.sent = upto;
  frame('A', job.out, (uint32_t)(count * sizeof(short)));
}

static int on_audio(const cst_wave *w, int start, int size, int last, cst_audio_streaming_info *asi) {
  (void)asi;
  job.rate = w->sample_rate;
  if (start + size > job.cap) {
    job.cap = (start + size) * 2;
    job.in = realloc(job.in, sizeof(short) * job.cap);
  }
  memcpy(job.in + start, w->samples + start, sizeof(short) * size);
  if (start + size > job.have) job.have = start + size;
  emit(last);
  return CST_AUDIO_STREAM_CONT;
}

static cst_voice *voices[5];
static float default_stretch[5]; /* a voice's own duration_stretch, restored after a request that changed it */
static const char *voice_names[5] = {"slt", "kal", "kal16", "awb", "rms"};

static cst_voice *voice_named(const char *name, float stretch) {
  for (int i = 0; i < 5; i++) {
    if (strcmp(name, voice_names[i]) != 0) continue;
    if (!voices[i]) {
      cst_voice *v = i == 0 ? register_cmu_us_slt(NULL) : i == 1 ? register_cmu_us_kal(NULL) : i == 2 ? register_cmu_us_kal16(NULL) : i == 3 ? register_cmu_us_awb(NULL) : register_cmu_us_rms(NULL);
      if (!v) return NULL;
      cst_audio_streaming_info *asi = new_audio_streaming_info();
      asi->min_buffsize = STREAM_CHUNK;
      asi->asc = on_audio;
      feat_set(v->features, "streaming_info", audio_streaming_info_val(asi));
      default_stretch[i] = get_param_float(v->features, "duration_stretch", 1.0f);
      voices[i] = v;
    }
    flite_feat_set_float(voices[i]->features, "duration_stretch", stretch > 0 && stretch != 1 ? stretch : default_stretch[i]);
    return voices[i];
  }
  return NULL;
}

int main(void) {
  design_low_pass();
  flite_init();
  frame('R', NULL, 0);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char voice[32];
    double stretch;
    unsigned long nbytes;
    if (sscanf(line, "S %31s %lf %lu", voice, &stretch, &nbytes) != 3 || nbytes > (1u << 20)) {
      frame('X', "bad request", 11);
      return 2; /* the stream is out of step: the pool replaces this process */
    }
    char *text = malloc(nbytes + 1);
    if (!text || fread(text, 1, nbytes, stdin) != nbytes) return 0;
    text[nbytes] = 0;
    cst_voice *v = voice_named(voice, (float)stretch);
    if (!v) {
      frame('X', "unknown voice", 13);
      free(text);
      continue;
    }
    job.have = job.sent = 0;
    job.rate = 16000;
    /* The clustergen voices (slt, awb, rms) mix noise into the excitation from rand(): reseed per
       sentence, as a fresh `flite` process starts, so a sentence sounds the same every time. */
    srand(1);
    flite_text_to_speech(text, v, "none");
    emit(1);
    free(text);
    frame('E', NULL, 0);
  }
  return 0;
}
