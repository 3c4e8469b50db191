/* zcnas C API: score neural architectures with training-free (zero-cost) scores from C or any language with a
 * C foreign-function interface. Link with libzcnas.so (pkg-config zcnas, or CMake's zcnas::zcnas_c).
 *
 * Errors: every call returns a zcnas_status; ZCNAS_OK is 0. On failure zcnas_last_error() gives a message that
 * names what was wrong (the arch string, the file, the shape, the NULL argument). No C++ exception crosses this
 * interface. A failed create call or zcnas_batch_load sets *out to NULL (out not NULL); a failed score call
 * may have written part of its results.
 *
 * Threads: calls on distinct engines may run concurrently on distinct threads. One engine must not be used by
 * two threads at once (it keeps the opened device and the networks' scorer between calls). Spaces, score sets
 * and batches are not changed after creation: one may be shared by several threads and engines at once, but
 * must outlive the calls that use it. zcnas_last_error() is per thread. zcnas_version() may be called anytime.
 *
 * Batches are float32 NCHW [B, 3, H, W], already normalised; zcnas_batch_load() makes one from CIFAR-10. */
#ifndef ZCNAS_ZCNAS_H
#define ZCNAS_ZCNAS_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define ZCNAS_API __attribute__((visibility("default")))
#else
#define ZCNAS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zcnas_status {
  ZCNAS_OK = 0,
  ZCNAS_ERROR_NULL_ARGUMENT = 1, /* a pointer argument that must not be NULL was NULL */
  ZCNAS_ERROR_INVALID_INPUT = 2, /* a bad value: unknown space, score or device, malformed arch, index out of
                                    range, wrong batch shape, unreadable file, buffer too small */
  ZCNAS_ERROR_UNSUPPORTED = 3,   /* not in this build or on this machine: a device batch without CUDA, no GPU */
  ZCNAS_ERROR_OUT_OF_MEMORY = 4,
  ZCNAS_ERROR_INTERNAL = 5 /* anything else (a failed CUDA call, a bug); the message says what */
} zcnas_status;

typedef struct zcnas_engine zcnas_engine;       /* where networks run */
typedef struct zcnas_space zcnas_space;         /* a search space and the width/depth its networks are built at */
typedef struct zcnas_score_set zcnas_score_set; /* the scores to compute, one column each */
typedef struct zcnas_batch zcnas_batch;         /* a batch of images held by the library */

/* "0.1.0"; a static string. */
ZCNAS_API const char* zcnas_version(void);
/* The message of this thread's last failed call ("" before any); valid until this thread's next failed call. */
ZCNAS_API const char* zcnas_last_error(void);
/* "ZCNAS_OK", "ZCNAS_ERROR_NULL_ARGUMENT", ...; a static string. */
ZCNAS_API const char* zcnas_status_name(zcnas_status status);

/* ---- handles; destroy functions accept NULL ---- */

/* device: "auto" (the GPU when there is one, else the CPU; NULL means auto), "cpu" or "cuda".
 * cpu_threads: threads of the CPU backend, <= 0 for every core.
 * chunk: archs handed to the device at once by a score call, <= 0 for the default (1 on the CPU, 1024 on a GPU,
 * which keeps many networks in flight). The device is opened by the first score call that runs networks. */
ZCNAS_API zcnas_status zcnas_engine_create(const char* device, int cpu_threads, int64_t chunk, zcnas_engine** out);
ZCNAS_API void zcnas_engine_destroy(zcnas_engine* engine);

/* name: "nb201", "nb101", "nats-sss", "darts". width (channels), depth (cells) and classes: <= 0 for the
 * space's defaults. */
ZCNAS_API zcnas_status zcnas_space_create(const char* name, int64_t width, int depth, int64_t classes,
                                          zcnas_space** out);
ZCNAS_API void zcnas_space_destroy(zcnas_space* space);
/* Number of archs, or -1 for a space without an index order (archs are then given as strings). */
ZCNAS_API zcnas_status zcnas_space_size(const zcnas_space* space, int64_t* size);

/* names: comma-separated, e.g. "naswot,params,epsilon" (each once). Networks get the default initialisation,
 * seed 0, one repeat. */
ZCNAS_API zcnas_status zcnas_score_set_create(const char* names, zcnas_score_set** out);
ZCNAS_API void zcnas_score_set_destroy(zcnas_score_set* scores);

/* The columns of a result row for this space: the scores in the order asked, then the space's 0/1 flags
 * (NB101's reference_fails). A name stays valid while both handles live. */
ZCNAS_API zcnas_status zcnas_columns_count(const zcnas_space* space, const zcnas_score_set* scores, size_t* count);
ZCNAS_API zcnas_status zcnas_column_name(const zcnas_space* space, const zcnas_score_set* scores, size_t column,
                                         const char** name);

/* ---- batches ---- */

typedef enum zcnas_pick {
  ZCNAS_PICK_OFFSET = 0, /* images offset..offset+B-1 in file order */
  ZCNAS_PICK_SEED = 1    /* B distinct images drawn from a seed (the same on every platform) */
} zcnas_pick;

/* B = batch_size CIFAR-10 images of a binary file or a directory of them, [B, 3, 32, 32], normalised with
 * normalisation "cifar10" (NULL means cifar10), "cifar100" or "imagenet16". pick is a zcnas_pick (an int, so
 * that any value a caller passes is checked rather than undefined). */
ZCNAS_API zcnas_status zcnas_batch_load(const char* path, int pick, uint64_t offset_or_seed, int64_t batch_size,
                                        const char* normalisation, zcnas_batch** out);
/* The same into caller memory: out holds out_floats >= batch_size * 3 * 32 * 32 floats. */
ZCNAS_API zcnas_status zcnas_batch_load_into(const char* path, int pick, uint64_t offset_or_seed, int64_t batch_size,
                                             const char* normalisation, float* out, size_t out_floats);
ZCNAS_API void zcnas_batch_destroy(zcnas_batch* batch);
/* shape[4] = {B, 3, H, W}; *data points at B*3*H*W floats that live as long as the batch. */
ZCNAS_API zcnas_status zcnas_batch_shape(const zcnas_batch* batch, int64_t shape[4]);
ZCNAS_API zcnas_status zcnas_batch_data(const zcnas_batch* batch, const float** data);

/* ---- scoring ----
 * Scores n_archs archs, given as arch strings in the space's notation or as official indices, on the batch
 * `batch` of shape[4] = {B, 3, H, W} (float32 NCHW; epsilon's constant-weight passes run on the same images).
 * Row i of `results` (n_archs rows of zcnas_columns_count() doubles, row-major; results_len doubles in all) is
 * arch i's scores. batch and shape may be NULL when the scores read no batch (params, flops). */
ZCNAS_API zcnas_status zcnas_score_archs(zcnas_engine* engine, const zcnas_space* space, const zcnas_score_set* scores,
                                         const char* const* archs, size_t n_archs, const float* batch,
                                         const int64_t shape[4], double* results, size_t results_len);
ZCNAS_API zcnas_status zcnas_score_indices(zcnas_engine* engine, const zcnas_space* space,
                                           const zcnas_score_set* scores, const int64_t* indices, size_t n_archs,
                                           const float* batch, const int64_t shape[4], double* results,
                                           size_t results_len);
/* The same with the batch in GPU memory (CUDA builds): device_batch is a device pointer and cuda_stream the
 * caller's cudaStream_t (NULL for the default stream), passed as void* so that this header needs no CUDA
 * headers. The batch is copied to the host with cudaMemcpyAsync on that stream, which is then synchronised:
 * work the caller queued on the stream before the call (e.g. writing the batch) is complete when scoring
 * starts. In a build without CUDA these return ZCNAS_ERROR_UNSUPPORTED. */
ZCNAS_API zcnas_status zcnas_score_archs_device(zcnas_engine* engine, const zcnas_space* space,
                                                const zcnas_score_set* scores, const char* const* archs, size_t n_archs,
                                                const float* device_batch, const int64_t shape[4], void* cuda_stream,
                                                double* results, size_t results_len);
ZCNAS_API zcnas_status zcnas_score_indices_device(zcnas_engine* engine, const zcnas_space* space,
                                                  const zcnas_score_set* scores, const int64_t* indices, size_t n_archs,
                                                  const float* device_batch, const int64_t shape[4], void* cuda_stream,
                                                  double* results, size_t results_len);

#ifdef __cplusplus
}
#endif

#endif /* ZCNAS_ZCNAS_H */
