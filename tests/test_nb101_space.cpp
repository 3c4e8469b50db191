// The whole NB101 space: generation counts as nasbench's generate_graphs.py gives them, the index order, the
// cache file, the SearchSpace round trips (index <-> string <-> genome <-> hash), mutations and the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <numeric>
#include <set>

#include "search/evolution.hpp"
#include "search/fitness.hpp"
#include "spaces/nb101/nb101_space.hpp"
#include "spaces/nb101/nb101_table.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

namespace fs = std::filesystem;
using nb101::CellTable;

// Test processes share one cache in their working directory (the build tree), so only the first generates.
const fs::path kCache = fs::absolute("nb101_test_cache") / "nb101-cells-v1.bin";

const CellTable& table() {
  static const CellTable t = CellTable::load_or_generate(kCache);
  return t;
}

const SearchSpace& space() {
  static const auto s = nb101::make_space(kCache);
  return *s;
}

// Generation is tested through the path users take when their cache is damaged: it must be regenerated and
// replaced, leaving the rest of the folder alone.
TEST(Nb101Table, DamagedCacheIsRegeneratedWithNasbenchsCounts) {
  const fs::path dir = fs::absolute("nb101_regeneration_test");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "cells.bin";
  std::ofstream(file, std::ios::binary) << std::string(1000, 'x');
  std::ofstream(dir / "other.txt") << "user data";

  const auto start = std::chrono::steady_clock::now();
  const CellTable generated = CellTable::load_or_generate(file);
  std::printf("generated %lld labelled graphs, %lld cells in %.2f s\n",
              static_cast<long long>(generated.labelled_graphs()), static_cast<long long>(generated.size()),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  EXPECT_EQ(generated.labelled_graphs(), 1293208);  // SPEC.md §5, generate_graphs.py's run
  EXPECT_EQ(generated.count_by_vertices(), (std::vector<int64_t>{0, 0, 1, 6, 84, 2441, 62010, 359082}));
  EXPECT_EQ(generated.size(), 423624);

  const CellTable reloaded = CellTable::load(file);
  for (int64_t i = 0; i < generated.size(); i += 101) ASSERT_EQ(reloaded.hash(i), generated.hash(i)) << i;
  std::ifstream other(dir / "other.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(other), std::istreambuf_iterator<char>()), "user data");
  for (const auto& entry : fs::directory_iterator(dir))  // the table, its lock file, the user's file
    EXPECT_TRUE(entry.path().filename() == "cells.bin" || entry.path().filename() == "cells.bin.lock" ||
                entry.path().filename() == "other.txt")
        << entry.path();
  fs::remove_all(dir);
}

TEST(Nb101Table, CellsOnWhichTheReferenceCrashesAreCountedAsTheSpecCountsThem) {
  std::vector<int64_t> failing(nb101::kMaxVertices + 1, 0);
  for (int64_t i = 0; i < table().size(); ++i) {
    const nb101::Cell cell = table().cell(i);
    failing[static_cast<size_t>(cell.vertices)] += nb101::reference_fails(cell) ? 1 : 0;
  }
  EXPECT_EQ(failing, (std::vector<int64_t>{0, 0, 0, 2, 12, 168, 3370, 16500}));  // 20,052 in all
}

TEST(Nb101Table, IndexOrderIsFirstAppearanceInGenerationOrder) {
  EXPECT_EQ(nb101::format_cell(table().cell(0)), "0100:input,output");
  EXPECT_EQ(nb101::hex(table().hash(0)), "043721b9c7fe8c5fad811d47d83132ec");
  // V = 3: edge masks 0b101 (0->1->2), then 0b111 (plus 0->2), each with the three ops.
  EXPECT_EQ(nb101::format_cell(table().cell(1)), "010001000:input,conv3x3-bn-relu,output");
  EXPECT_EQ(nb101::format_cell(table().cell(3)), "010001000:input,maxpool3x3,output");
  EXPECT_EQ(nb101::format_cell(table().cell(4)), "011001000:input,conv3x3-bn-relu,output");
  EXPECT_EQ(nb101::format_cell(table().cell(6)), "011001000:input,maxpool3x3,output");
  EXPECT_EQ(table().cell(7).vertices, 4);
  EXPECT_EQ(table().cell(423623).vertices, 7);
}

TEST(Nb101Table, EveryIndexIsItsRepresentativesAndItsHashs) {
  nb101::CellHasher hasher;
  for (int64_t i = 0; i < table().size(); ++i) {
    const nb101::Cell cell = table().cell(i);
    ASSERT_EQ(nb101::prune(cell), cell) << i;
    ASSERT_EQ(table().index_of(cell), i);
    ASSERT_EQ(table().index_of_hash(table().hash(i)), i);
    if (i % 211 == 0) {
      ASSERT_EQ(hasher(cell), table().hash(i)) << i;
    }
  }
  nb101::Digest unknown{};
  EXPECT_FALSE(table().index_of_hash(unknown).has_value());
}

TEST(Nb101Table, CacheRoundTripsAndLoadRejectsDamage) {
  const fs::path dir = fs::absolute("nb101_cache_damage_test");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "cells.bin";
  table().save(file);
  const auto start = std::chrono::steady_clock::now();
  const CellTable loaded = CellTable::load(file);
  std::printf("loaded the cache in %.3f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  for (int64_t i = 0; i < loaded.size(); i += 37) ASSERT_EQ(loaded.cell(i), table().cell(i)) << i;

  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto write = [&](const std::string& content) { std::ofstream(file, std::ios::binary) << content; };
  const auto error = [&] { return test::error_of([&] { CellTable::load(file); }); };
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 1);
  write(flipped);
  EXPECT_NE(error().find("checksum does not match"), std::string::npos) << error();
  EXPECT_NE(error().find(file.string()), std::string::npos) << error();
  write(bytes.substr(0, bytes.size() - 1));
  EXPECT_NE(error().find("bytes, its header makes"), std::string::npos) << error();
  write(bytes + "x");  // too long: refused before it is read
  EXPECT_NE(error().find(std::to_string(bytes.size() + 1) + " bytes, its header makes " + std::to_string(bytes.size())),
            std::string::npos)
      << error();
  std::string old_version = bytes;
  old_version[8] = 7;
  write(old_version);
  EXPECT_NE(error().find("format version 7"), std::string::npos) << error();
  write(std::string(64, 'x'));
  EXPECT_NE(error().find("is not an NB101 table"), std::string::npos) << error();

  // Tables that a wrong generator wrote, with valid checksums: the contents themselves are checked.
  const auto with_checksum = [](std::string content) {
    nb101::Md5 md5;
    const nb101::Digest sum = md5(std::string_view(content.data(), content.size() - 16));
    content.replace(content.size() - 16, 16, reinterpret_cast<const char*>(sum.data()), 16);
    return content;
  };
  const size_t header = 32, digests = header + 4 * 1293208;
  std::string wrong_hash = bytes;
  wrong_hash[digests] = static_cast<char>(wrong_hash[digests] ^ 1);  // cell 0's hash
  write(with_checksum(wrong_hash));
  EXPECT_NE(error().find("cell 0 does not have its stored hash"), std::string::npos) << error();
  std::string out_of_order = bytes;
  out_of_order[header] = 5;  // labelled graph 0 filed under cell 5
  write(with_checksum(out_of_order));
  EXPECT_NE(error().find("labelled graph 0 names cell 5 before cell 0 appeared"), std::string::npos) << error();

  fs::remove_all(dir);
}

TEST(Nb101Table, DefaultCacheFollowsXdg) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved = xdg != nullptr ? xdg : "";
  setenv("XDG_CACHE_HOME", "/somewhere/cache", 1);
  EXPECT_EQ(nb101::default_cache_file(), fs::path("/somewhere/cache/zcnas/nb101-cells-v1.bin"));
  setenv("XDG_CACHE_HOME", "relative/cache", 1);  // XDG: a relative path is ignored
  EXPECT_EQ(nb101::default_cache_file().parent_path().filename(), "zcnas");
  EXPECT_NE(nb101::default_cache_file().string().find(".cache/zcnas/"), std::string::npos);
  if (xdg != nullptr)
    setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else
    unsetenv("XDG_CACHE_HOME");
}

TEST(Nb101Space, IndexStringGenomeAndHashRoundTrip) {
  EXPECT_EQ(space().size(), 423624);
  EXPECT_EQ(space().genome_choices().size(), 26u);
  for (int64_t i = 0; i < space().size(); i += 173) {
    const Genome g = space().genome_of(i);
    ASSERT_TRUE(space().valid(g)) << i;
    ASSERT_EQ(space().canonical(g), g) << i;
    ASSERT_EQ(space().index_of(g), i);
    const std::string arch = space().arch_of(i);
    ASSERT_EQ(arch, nb101::format_cell(table().cell(i)));
    ASSERT_EQ(space().parse(arch), g) << arch;
    ASSERT_EQ(space().arch_hash(g), nb101::hex(table().hash(i)));
    ASSERT_EQ(space().parse(space().arch_hash(g)), g) << i;
  }
}

TEST(Nb101Space, IsomorphicAndUnprunedStringsNameOneIndex) {
  const std::string row446 =
      "0110000000100100001000000010000000100000010000000:input,conv1x1-bn-relu,maxpool3x3,conv1x1-bn-relu,"
      "conv1x1-bn-relu,conv3x3-bn-relu,output";
  const std::string swapped =
      "0110000000010000010010000010000000100000010000000:input,maxpool3x3,conv1x1-bn-relu,conv1x1-bn-relu,"
      "conv1x1-bn-relu,conv3x3-bn-relu,output";
  const int64_t index = space().index_of_arch(row446);
  EXPECT_EQ(space().index_of_arch(swapped), index);
  EXPECT_EQ(space().index_of_arch("4d8942b8e6368654fafdfaa633cf1bc3"), index);
  EXPECT_EQ(space().index_of_arch("4D8942B8E6368654FAFDFAA633CF1BC3"), index);
  EXPECT_EQ(space().arch_hash(space().parse(swapped)), "4d8942b8e6368654fafdfaa633cf1bc3");
  // An unpruned 7-vertex string (oracle row 48) names the 3-vertex cell it prunes to.
  EXPECT_EQ(space().index_of_arch("0000010000100000000110000001000000100000010000000:input,conv1x1-bn-relu,"
                                  "conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,conv3x3-bn-relu,output"),
            1);
}

TEST(Nb101Space, ErrorsNameTheInput) {
  EXPECT_NE(test::error_of([] {
              space().parse("0123456789abcdef0123456789abcdef");
            }).find("no NB101 cell has the hash '0123456789abcdef0123456789abcdef'"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { space().parse("0000:input,output"); }).find("'0000:input,output'"), std::string::npos);
  EXPECT_NE(test::error_of([] { space().genome_of(423624); }).find("423624"), std::string::npos);
  Genome empty(26, 0);  // no edges at all
  EXPECT_FALSE(space().valid(empty));
  EXPECT_NE(test::error_of([&] { space().index_of(empty); }).find("the input does not reach the output"),
            std::string::npos);
  Genome dense(26, 0);
  for (int e = 0; e < nb101::kGenomeEdges; ++e) dense[static_cast<size_t>(e)] = 1;
  EXPECT_FALSE(space().valid(dense));
  EXPECT_NE(test::error_of([&] { space().canonical(dense); }).find("has 21 edges after pruning"), std::string::npos);
  EXPECT_FALSE(space().valid(Genome(25, 0)));
  Genome out_of_range = space().genome_of(5);
  out_of_range[25] = 3;
  EXPECT_FALSE(space().valid(out_of_range));
}

TEST(Nb101Space, GenomesEmbedCellsWithTheOutputAtVertexSix) {
  const nb101::Cell cell = table().cell(1);  // input -> conv3x3 -> output
  const Genome g = nb101::genome_of_cell(cell);
  Genome expected(26, 0);
  expected[0] = 1;   // 0->1
  expected[10] = 1;  // 1->6: row 1 starts at 6, then 1->2 .. 1->6
  EXPECT_EQ(g, expected);
  EXPECT_EQ(nb101::prune(nb101::cell_of_genome(g)), cell);
  // A genome of the same cell through other vertices is valid, not canonical, and names the same index.
  Genome other(26, 0);
  other[2] = 1;   // 0->3
  other[17] = 1;  // 3->6: rows 0, 1, 2 hold 6 + 5 + 4 edges, row 3 starts at 15 with 3->4
  other[nb101::kGenomeEdges + 2] = 0;
  ASSERT_TRUE(space().valid(other));
  EXPECT_EQ(space().index_of(other), 1);
  EXPECT_EQ(space().canonical(other), g);
  EXPECT_EQ(space().format(other), "010001000:input,conv3x3-bn-relu,output");
}

TEST(Nb101Space, MutationsFlipOneEdgeOrChangeOneOpAndStayValid) {
  // Index 0 (input->output) has no neighbours: a new edge leads nowhere or comes from nowhere, and is pruned.
  EXPECT_TRUE(space().neighbours(space().genome_of(0)).empty());
  for (const int64_t i : {int64_t{1}, int64_t{5}, int64_t{1234}, int64_t{300000}, int64_t{423623}}) {
    const Genome g = space().genome_of(i);
    const std::vector<Genome> neighbours = space().neighbours(g);
    ASSERT_FALSE(neighbours.empty()) << i;
    std::set<int64_t> reached;
    for (const Genome& n : neighbours) {
      ASSERT_TRUE(space().valid(n));
      ASSERT_EQ(space().canonical(n), n);
      reached.insert(space().index_of(n));
    }
    EXPECT_EQ(reached.count(i), 0u) << i;
    // Every valid single change of the genome lands on the self or a listed neighbour, and vice versa.
    std::set<int64_t> expected;
    for (size_t p = 0; p < g.size(); ++p)
      for (int32_t c = 0; c < space().genome_choices()[p]; ++c) {
        Genome m = g;
        m[p] = c;
        if (c != g[p] && space().valid(m) && space().index_of(m) != i) expected.insert(space().index_of(m));
      }
    EXPECT_EQ(reached, expected) << i;
  }
}

// Each cell's row: its 21 edge flips and 5 x 2 op changes, pruned and looked up (-1: no valid cell; the cell
// itself where pruning removes the change again).
TEST(Nb101Space, MutationTableFlipsEdgesAndChangesOps) {
  const MutationTable table = mutation_table(space());
  ASSERT_EQ(table.per_arch, 31);
  ASSERT_EQ(table.child.size(), 423624u * 31u);
  int64_t invalid = 0, itself = 0;
  for (int64_t i = 0; i < space().size(); i += 1009) {
    const Genome g = space().genome_of(i);
    std::vector<int32_t> expected;
    for (size_t p = 0; p < g.size(); ++p)
      for (int32_t c = 0; c < space().genome_choices()[p]; ++c) {
        if (c == g[p]) continue;
        Genome m = g;
        m[p] = c;
        expected.push_back(space().valid(m) ? static_cast<int32_t>(space().index_of(m)) : -1);
      }
    const std::vector<int32_t> row(table.child.begin() + i * 31, table.child.begin() + (i + 1) * 31);
    ASSERT_EQ(row, expected) << i;
    invalid += std::count(row.begin(), row.end(), -1);
    itself += std::count(row.begin(), row.end(), static_cast<int32_t>(i));
  }
  EXPECT_GT(invalid, 0);
  EXPECT_GT(itself, 0);
}

// Random search and REA over all 423,624 cells: every REA child is a mutation of an arch its run evaluated.
TEST(Nb101Space, RandomSearchAndReaRunOverTheWholeSpace) {
  std::vector<int64_t> domain(static_cast<size_t>(space().size()));
  std::iota(domain.begin(), domain.end(), int64_t{0});
  // A fitness that prefers high indices: each run's winner is its largest draw.
  CachedFitness fitness(
      [](const std::vector<int64_t>& indices) { return std::vector<double>(indices.begin(), indices.end()); }, domain);
  SearchConfig config;
  config.algorithm = SearchAlgorithm::Random;
  config.samples = 50;
  config.keep_history = true;
  const auto runs = search_cpu(space(), fitness, config, 3, 0);
  ASSERT_EQ(runs.size(), 3u);
  for (const SearchRun& r : runs) {
    ASSERT_EQ(r.history.size(), 50u);
    EXPECT_EQ(r.winner, *std::max_element(r.history.begin(), r.history.end()));
    EXPECT_GT(*std::max_element(r.history.begin(), r.history.end()), 300000);  // draws span the space
  }
  config.algorithm = SearchAlgorithm::Rea;
  config.population = 10;
  config.cycles = 40;
  for (const SearchRun& r : search_cpu(space(), fitness, config, 2, 0)) {
    ASSERT_EQ(r.history.size(), 50u);
    for (size_t k = 10; k < r.history.size(); ++k) {
      // A mutation of an arch the run evaluated, or a fresh draw after a parent none of whose mutations is
      // another cell (the input->output cell: one edge more is pruned away again).
      bool mutated = false, stuck = false;
      for (size_t parent = 0; parent < k; ++parent) {
        const std::vector<Genome> next = space().neighbours(space().genome_of(r.history[parent]));
        stuck = stuck || next.empty();
        for (const Genome& g : next) mutated = mutated || space().index_of(g) == r.history[k];
      }
      EXPECT_TRUE(mutated || stuck) << "child " << k << " of run " << r.run;
    }
  }
}

std::string run_cli(const std::string& args) {
  const std::string command = "XDG_CACHE_HOME=" + fs::absolute("nb101_test_xdg").string() + " " +
                              std::string(ZCNAS_CLI_PATH) + " " + args + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  while (pipe != nullptr && fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  if (pipe != nullptr) pclose(pipe);
  return out;
}

TEST(Nb101Space, CliCountsConvertsAndPrintsTheHash) {
  fs::create_directories(fs::absolute("nb101_test_xdg") / "zcnas");
  std::error_code ignored;  // share the tests' table instead of generating it again
  fs::copy_file(kCache, fs::absolute("nb101_test_xdg") / "zcnas" / "nb101-cells-v1.bin",
                fs::copy_options::skip_existing, ignored);
  (void)table();
  EXPECT_EQ(run_cli("space nb101 --count"), "423624\n");
  EXPECT_EQ(run_cli("space nb101 --index 0"), "0100:input,output\n");
  EXPECT_EQ(run_cli("space nb101 --arch 0100:input,output"), "0,0100:input,output,043721b9c7fe8c5fad811d47d83132ec\n");
  const std::string by_hash = run_cli("space nb101 --arch 4d8942b8e6368654fafdfaa633cf1bc3");
  EXPECT_NE(by_hash.find(",4d8942b8e6368654fafdfaa633cf1bc3\n"), std::string::npos) << by_hash;
  EXPECT_NE(run_cli("space nb101 --arch 0000:input,output").find("the input does not reach the output"),
            std::string::npos);
  // Scoring by hash: the benchmark network's parameter count. The same cell asked again by matrix: one row.
  const fs::path table_path = fs::absolute("nb101_test_xdg") / "scores.csv";
  fs::remove(table_path);
  const std::string score = run_cli(
      "score --space nb101 --arch 28cfc7874f6d200472e1a9dcd8650aa0 --arch "
      "0111010000000100000010000100000000100000010000000:input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
      "conv3x3-bn-relu,maxpool3x3,output --scores params --stem-channels 128 --classes 10 --out " +
      table_path.string());
  EXPECT_NE(score.find("1 of the 2 archs asked repeat an earlier one"), std::string::npos) << score;
  std::ifstream table_file(table_path);
  const std::string table_text((std::istreambuf_iterator<char>(table_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(table_text.find("index,arch,params,reference_fails,seconds\n"), std::string::npos) << table_text;
  EXPECT_NE(table_text.find(",2694282,0,"), std::string::npos) << score << table_text;
  EXPECT_EQ(std::count(table_text.begin(), table_text.end(), '\n'), 2) << table_text;
}

}  // namespace
}  // namespace zcnas
