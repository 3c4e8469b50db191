/* A C program on the installed zcnas C API: scores one NB201 arch and checks a bad arch's error. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zcnas/zcnas.h>

#define CHECK(call)                                                                                  \
  do {                                                                                               \
    zcnas_status status_ = (call);                                                                   \
    if (status_ != ZCNAS_OK) {                                                                       \
      fprintf(stderr, "%s failed: %s: %s\n", #call, zcnas_status_name(status_), zcnas_last_error()); \
      return 1;                                                                                      \
    }                                                                                                \
  } while (0)

int main(void) {
  zcnas_engine* engine = NULL;
  zcnas_space* space = NULL;
  zcnas_score_set* scores = NULL;
  const char* archs[] = {
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"};
  const char* bad[] = {"|nor_conv_3x3~0|+|not_an_op~0|"};
  const int64_t shape[4] = {4, 3, 32, 32};
  static float batch[4 * 3 * 32 * 32];
  double row[2];
  size_t i, columns = 0;
  const char* name = NULL;
  zcnas_status status;

  for (i = 0; i < sizeof batch / sizeof batch[0]; ++i) batch[i] = (float)((i * 7919u) % 255u) / 64.0f - 2.0f;
  CHECK(zcnas_engine_create("cpu", 1, 0, &engine));
  CHECK(zcnas_space_create("nb201", 8, 1, 0, &space));
  CHECK(zcnas_score_set_create("naswot,params", &scores));
  CHECK(zcnas_columns_count(space, scores, &columns));
  CHECK(zcnas_column_name(space, scores, 1, &name));
  if (columns != 2 || strcmp(name, "params") != 0) {
    fprintf(stderr, "columns: %zu, second '%s'\n", columns, name);
    return 1;
  }
  CHECK(zcnas_score_archs(engine, space, scores, archs, 1, batch, shape, row, 2));
  printf("zcnas %s: naswot %.6f, params %.0f\n", zcnas_version(), row[0], row[1]);
  /* NASWOT is a log-determinant of a 4x4 kernel of Hamming similarities: finite and positive here. */
  if (!isfinite(row[0]) || row[0] <= 0.0 || row[1] < 1000.0) return 1;

  status = zcnas_score_archs(engine, space, scores, bad, 1, batch, shape, row, 2);
  if (status != ZCNAS_ERROR_INVALID_INPUT || strstr(zcnas_last_error(), "not_an_op") == NULL) {
    fprintf(stderr, "a bad arch gave %s: '%s'\n", zcnas_status_name(status), zcnas_last_error());
    return 1;
  }
  printf("a bad arch: %s\n", zcnas_last_error());
  zcnas_score_set_destroy(scores);
  zcnas_space_destroy(space);
  zcnas_engine_destroy(engine);
  return 0;
}
