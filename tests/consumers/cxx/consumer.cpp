// A C++ program on the installed static library: scores one NB201 arch with the Scorer and checks that a bad
// arch is refused with a message that names it.
#include <cmath>
#include <cstdio>
#include <string>

#include "api/scorer.hpp"
#include "core/error.hpp"
#include "io/input_batch.hpp"

int main() {
  zcnas::ScorerSettings settings;
  settings.scores = {"naswot", "params"};
  settings.device = "cpu";
  settings.network.channels = 8;
  settings.network.depth = 1;
  zcnas::Scorer scorer(settings);
  zcnas::BatchSource source;  // no data: a synthetic batch
  source.batch = 4;
  const zcnas::Tensor batch = zcnas::load_batch(source);
  const auto rows = scorer.score({scorer.job_of_index(6111)}, {&batch, &batch, nullptr});
  const double naswot = rows.at(0).values.at(0), params = rows.at(0).values.at(1);
  std::printf("%s: naswot %.6f, params %.0f\n", rows[0].arch.c_str(), naswot, params);
  if (!std::isfinite(naswot) || naswot <= 0 || params < 1000) return 1;
  try {
    scorer.job_of_arch("|nor_conv_3x3~0|+|not_an_op~0|");
    std::fprintf(stderr, "a bad arch was accepted\n");
    return 1;
  } catch (const zcnas::Error& e) {
    std::printf("a bad arch: %s\n", e.what());
    if (std::string(e.what()).find("not_an_op") == std::string::npos) return 1;
  }
  return 0;
}
