// The NB101 table: generation in generate_graphs.py order on every thread, the lookups, and its cache file.
#include "spaces/nb101/nb101_table.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <numeric>
#include <unordered_map>

#include "core/error.hpp"

namespace zcnas::nb101 {

namespace fs = std::filesystem;

namespace {

// Cache file: header, class_of [labelled graphs] int32, digests [cells][16], then the MD5 of all that precedes.
constexpr char kMagic[8] = {'Z', 'C', 'N', 'B', '1', '0', '1', 'T'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kByteOrderMark = 0x01020304;
struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t byte_order;
  uint64_t labelled_graphs;
  uint64_t cells;
};
// Stored representatives (every kSpotCheckStride-th) and labelled graphs that load() rehashes.
constexpr int64_t kSpotCheckStride = 997;

int32_t power_of_3(int exponent) {
  int32_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= 3;
  return p;
}

int edge_bit(int from, int to) { return from + to * (to - 1) / 2; }

// generate_graphs.py's is_full_dag: every vertex but the output has an out-edge, every one but the input an in-edge.
bool is_full_dag(int vertices, uint32_t mask) {
  uint32_t has_out = 0, has_in = 0;
  for (int to = 1; to < vertices; ++to)
    for (int from = 0; from < to; ++from)
      if ((mask >> edge_bit(from, to)) & 1) {
        has_out |= 1u << from;
        has_in |= 1u << to;
      }
  const uint32_t all = (1u << vertices) - 1;
  return has_out == (all & ~(1u << (vertices - 1))) && has_in == (all & ~1u);
}

// An exclusive flock on `path` while it lives (none when the file cannot be opened: then nothing is shared).
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

struct DigestHash {
  size_t operator()(const Digest& d) const {
    size_t h = 0;
    std::memcpy(&h, d.data(), sizeof h);  // MD5 bytes are already uniform
    return h;
  }
};

// body(i) for i in 0..n-1 on every OpenMP thread; the first exception is rethrown once all have stopped.
template <typename Body>
void parallel_for(int64_t n, Body body) {
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 2048)
  for (int64_t i = 0; i < n; ++i) {
    try {
      body(i);
    } catch (...) {
#pragma omp critical
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

using Permutation = std::array<uint8_t, kMaxVertices>;

// Appends every order of perm[first..last), the other entries fixed, to `out`.
void permute(Permutation& perm, int first, int last, std::vector<Permutation>& out) {
  if (first >= last) {
    out.push_back(perm);
    return;
  }
  for (int i = first; i < last; ++i) {
    std::swap(perm[static_cast<size_t>(first)], perm[static_cast<size_t>(i)]);
    permute(perm, first + 1, last, out);
    std::swap(perm[static_cast<size_t>(first)], perm[static_cast<size_t>(i)]);
  }
}

// The renumberings of a cell of `vertices` that fix the input and the output.
const std::vector<Permutation>& interior_permutations(int vertices) {
  static const auto all = [] {
    std::vector<std::vector<Permutation>> perms(kMaxVertices + 1);
    for (int v = 2; v <= kMaxVertices; ++v) {
      Permutation identity = {0, 1, 2, 3, 4, 5, 6};
      permute(identity, 1, v - 1, perms[static_cast<size_t>(v)]);
    }
    return perms;
  }();
  return all[static_cast<size_t>(vertices)];
}

// Equal for two cells exactly when they are isomorphic (same vertex count, an interior renumbering mapping
// edges and ops onto each other): the least code over all renumberings of V*V adjacency bits, 2 bits per
// interior op above them, and V on top.
uint64_t isomorphism_code(const Cell& cell) {
  const int n = cell.vertices;
  std::array<std::pair<uint8_t, uint8_t>, kMaxVertices * kMaxVertices> edges{};
  int num_edges = 0;
  for (int from = 0; from < n; ++from)
    for (int to = from + 1; to < n; ++to)
      if (cell.has_edge(from, to)) edges[static_cast<size_t>(num_edges++)] = {from, to};
  uint64_t best = ~uint64_t{0};
  for (const auto& perm : interior_permutations(n)) {
    uint64_t code = static_cast<uint64_t>(n) << 60;
    for (int e = 0; e < num_edges; ++e) {
      const auto [from, to] = edges[static_cast<size_t>(e)];
      code |= uint64_t{1} << (perm[from] * n + perm[to]);
    }
    for (int v = 1; v + 1 < n; ++v)
      code |= static_cast<uint64_t>(cell.ops[static_cast<size_t>(v)])
              << (kMaxVertices * kMaxVertices + 2 * (perm[static_cast<size_t>(v)] - 1));
    best = std::min(best, code);
  }
  return best;
}

}  // namespace

uint32_t edge_mask(const Cell& cell) {
  uint32_t mask = 0;
  for (int to = 1; to < cell.vertices; ++to)
    for (int from = 0; from < to; ++from)
      if (cell.has_edge(from, to)) mask |= 1u << edge_bit(from, to);
  return mask;
}

int32_t labelling_of(const Cell& cell) {
  int32_t labelling = 0;
  for (int v = 1; v + 1 < cell.vertices; ++v)
    labelling = labelling * kNumOps + static_cast<int32_t>(cell.ops[static_cast<size_t>(v)]);
  return labelling;
}

Cell cell_of(int vertices, uint32_t mask, int32_t labelling) {
  Cell cell;
  cell.vertices = vertices;
  for (int to = 1; to < vertices; ++to)
    for (int from = 0; from < to; ++from)
      if ((mask >> edge_bit(from, to)) & 1)
        cell.successors[static_cast<size_t>(from)] =
            static_cast<uint8_t>(cell.successors[static_cast<size_t>(from)] | (1u << to));
  for (int v = vertices - 2; v >= 1; --v, labelling /= kNumOps)
    cell.ops[static_cast<size_t>(v)] = static_cast<Op>(labelling % kNumOps);
  return cell;
}

CellTable::CellTable() : masks_(kMaxVertices + 1), first_(kMaxVertices + 2, 0) {
  for (int v = 2; v <= kMaxVertices; ++v) {
    const uint32_t masks = 1u << (v * (v - 1) / 2);
    for (uint32_t mask = 0; mask < masks; ++mask)
      if (__builtin_popcount(mask) <= kMaxEdges && is_full_dag(v, mask)) masks_[static_cast<size_t>(v)].push_back(mask);
  }
  for (int v = 0; v <= kMaxVertices; ++v)
    first_[static_cast<size_t>(v + 1)] =
        first_[static_cast<size_t>(v)] +
        (v < 2 ? 0 : static_cast<int64_t>(masks_[static_cast<size_t>(v)].size()) * power_of_3(v - 2));
}

int64_t CellTable::position_of(int vertices, uint32_t mask, int32_t labelling) const {
  if (vertices < 2 || vertices > kMaxVertices) return -1;
  const std::vector<uint32_t>& masks = masks_[static_cast<size_t>(vertices)];
  const auto it = std::lower_bound(masks.begin(), masks.end(), mask);
  if (it == masks.end() || *it != mask) return -1;
  return first_[static_cast<size_t>(vertices)] + std::distance(masks.begin(), it) * power_of_3(vertices - 2) +
         labelling;
}

Cell CellTable::labelled_graph(int64_t position) const {
  const auto vertices = static_cast<int>(std::upper_bound(first_.begin(), first_.end(), position) - first_.begin()) - 1;
  const int32_t labellings = power_of_3(vertices - 2);
  const int64_t local = position - first_[static_cast<size_t>(vertices)];
  return cell_of(vertices, masks_[static_cast<size_t>(vertices)][static_cast<size_t>(local / labellings)],
                 static_cast<int32_t>(local % labellings));
}

CellTable CellTable::generate() {
  CellTable table;
  const int64_t graphs = table.first_.back();

  // Renumbering interior vertices does not change the hash, so only the first graph of each isomorphism class
  // needs one: a third of the graphs. Every graph takes its class's hash, so the table is the one hashing every
  // graph gives, even if two classes shared a hash (nasbench found none that do).
  std::vector<uint64_t> codes(static_cast<size_t>(graphs));
  parallel_for(graphs, [&](int64_t p) { codes[static_cast<size_t>(p)] = isomorphism_code(table.labelled_graph(p)); });
  std::vector<int32_t> class_of_graph(static_cast<size_t>(graphs));
  std::vector<int64_t> class_first;  // [isomorphism class] its first graph
  {
    std::unordered_map<uint64_t, int32_t> classes;
    classes.reserve(static_cast<size_t>(2 * kNumCells));
    for (int64_t p = 0; p < graphs; ++p) {
      const auto [it, inserted] =
          classes.emplace(codes[static_cast<size_t>(p)], static_cast<int32_t>(class_first.size()));
      if (inserted) class_first.push_back(p);
      class_of_graph[static_cast<size_t>(p)] = it->second;
    }
  }
  std::vector<Digest> class_digest(class_first.size());
  parallel_for(static_cast<int64_t>(class_first.size()), [&](int64_t c) {
    thread_local CellHasher hasher;
    class_digest[static_cast<size_t>(c)] = hasher(table.labelled_graph(class_first[static_cast<size_t>(c)]));
  });

  // The first graph of each hash, in generation order, is its cell's representative.
  std::unordered_map<Digest, int32_t, DigestHash> seen;
  seen.reserve(static_cast<size_t>(2 * kNumCells));
  std::vector<int32_t> cell_of_class(class_first.size());
  for (size_t c = 0; c < class_first.size(); ++c) {
    const auto [it, inserted] = seen.emplace(class_digest[c], static_cast<int32_t>(table.digests_.size()));
    if (inserted) table.digests_.push_back(it->first);
    cell_of_class[c] = it->second;
  }
  table.class_of_.resize(static_cast<size_t>(graphs));
  for (int64_t p = 0; p < graphs; ++p)
    table.class_of_[static_cast<size_t>(p)] =
        cell_of_class[static_cast<size_t>(class_of_graph[static_cast<size_t>(p)])];
  table.index("the generated NB101 table");
  return table;
}

void CellTable::index(const std::string& source) {
  ZCNAS_REQUIRE(size() == kNumCells, "{} holds {} unique cells, NB101 has {}", source, size(), kNumCells);
  representative_.assign(static_cast<size_t>(size()), -1);
  int32_t next = 0;
  for (int64_t p = 0; p < labelled_graphs(); ++p) {
    const int32_t c = class_of_[static_cast<size_t>(p)];
    ZCNAS_REQUIRE(c >= 0 && c <= next && c < size(), "{}: labelled graph {} names cell {} before cell {} appeared",
                  source, p, c, next);
    if (c == next) representative_[static_cast<size_t>(next++)] = p;
  }
  ZCNAS_REQUIRE(next == size(), "{}: {} cells appear in its labelled graphs, it lists {}", source, next, size());
  by_hash_.resize(static_cast<size_t>(size()));
  std::iota(by_hash_.begin(), by_hash_.end(), 0);
  std::sort(by_hash_.begin(), by_hash_.end(), [&](int32_t a, int32_t b) { return digest_less(hash(a), hash(b)); });
  for (size_t k = 1; k < by_hash_.size(); ++k)
    ZCNAS_REQUIRE(digest_less(hash(by_hash_[k - 1]), hash(by_hash_[k])), "{}: cells {} and {} have the same hash {}",
                  source, by_hash_[k - 1], by_hash_[k], nb101::hex(hash(by_hash_[k])));
}

Cell CellTable::cell(int64_t index) const {
  ZCNAS_REQUIRE(index >= 0 && index < size(), "index {} is outside NB101 (0..{})", index, size() - 1);
  return labelled_graph(representative_[static_cast<size_t>(index)]);
}

int64_t CellTable::index_of(const Cell& pruned) const {
  const int64_t position = position_of(pruned.vertices, edge_mask(pruned), labelling_of(pruned));
  ZCNAS_REQUIRE(position >= 0, "NB101 cell '{}' is not a pruned cell of at most {} edges", format_cell(pruned),
                kMaxEdges);
  return class_of_[static_cast<size_t>(position)];
}

std::optional<int64_t> CellTable::index_of_hash(const Digest& digest) const {
  const auto it = std::lower_bound(by_hash_.begin(), by_hash_.end(), digest,
                                   [&](int32_t index, const Digest& d) { return digest_less(hash(index), d); });
  if (it == by_hash_.end() || hash(*it) != digest) return std::nullopt;
  return *it;
}

std::vector<int64_t> CellTable::count_by_vertices() const {
  std::vector<int64_t> counts(kMaxVertices + 1, 0);
  for (const int64_t p : representative_)
    ++counts[static_cast<size_t>(std::upper_bound(first_.begin(), first_.end(), p) - first_.begin() - 1)];
  return counts;
}

void CellTable::save(const fs::path& file) const {
  FileHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.version = kFormatVersion;
  header.byte_order = kByteOrderMark;
  header.labelled_graphs = static_cast<uint64_t>(labelled_graphs());
  header.cells = static_cast<uint64_t>(size());
  std::string bytes(reinterpret_cast<const char*>(&header), sizeof header);
  bytes.append(reinterpret_cast<const char*>(class_of_.data()), class_of_.size() * sizeof(int32_t));
  bytes.append(reinterpret_cast<const char*>(digests_.data()), digests_.size() * sizeof(Digest));
  Md5 md5;
  const Digest checksum = md5(bytes);
  bytes.append(reinterpret_cast<const char*>(checksum.data()), checksum.size());

  const fs::path temporary = file.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ZCNAS_REQUIRE(out.good(), "could not write the NB101 table to '{}'", temporary.string());
  }
  std::error_code error;
  fs::rename(temporary, file, error);
  if (error) {
    fs::remove(temporary, error);
    throw Error(fmt::format("could not move the NB101 table into place at '{}'", file.string()));
  }
}

CellTable CellTable::load(const fs::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  ZCNAS_REQUIRE(in.good(), "cannot open the NB101 table '{}'", name);
  std::error_code error;
  const uintmax_t file_bytes = fs::file_size(file, error);
  ZCNAS_REQUIRE(!error, "cannot read the size of the NB101 table '{}'", name);
  FileHeader header{};
  ZCNAS_REQUIRE(file_bytes >= sizeof header, "NB101 table '{}' has {} bytes, less than its header", name, file_bytes);
  in.read(reinterpret_cast<char*>(&header), sizeof header);
  ZCNAS_REQUIRE(in.good() && std::memcmp(header.magic, kMagic, sizeof kMagic) == 0, "'{}' is not an NB101 table", name);
  ZCNAS_REQUIRE(header.version == kFormatVersion && header.byte_order == kByteOrderMark,
                "NB101 table '{}' has format version {} (byte order {:#x}); this build reads version {}", name,
                header.version, header.byte_order, kFormatVersion);

  CellTable table;
  ZCNAS_REQUIRE(header.labelled_graphs == static_cast<uint64_t>(table.first_.back()) &&
                    header.cells == static_cast<uint64_t>(kNumCells),
                "NB101 table '{}' lists {} labelled graphs and {} cells, NB101 has {} and {}", name,
                header.labelled_graphs, header.cells, table.first_.back(), kNumCells);
  const size_t classes_bytes = header.labelled_graphs * sizeof(int32_t), digests_bytes = header.cells * sizeof(Digest);
  const size_t payload = sizeof header + classes_bytes + digests_bytes;
  ZCNAS_REQUIRE(file_bytes == payload + sizeof(Digest), "NB101 table '{}' has {} bytes, its header makes {}", name,
                file_bytes, payload + sizeof(Digest));
  // The size is right: read the whole file, header included, for the checksum.
  std::string bytes(payload + sizeof(Digest), '\0');
  in.seekg(0);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ZCNAS_REQUIRE(in.good(), "cannot read the NB101 table '{}'", name);
  Md5 md5;
  ZCNAS_REQUIRE(
      std::memcmp(md5(std::string_view(bytes.data(), payload)).data(), bytes.data() + payload, sizeof(Digest)) == 0,
      "NB101 table '{}' is corrupt: its checksum does not match its contents", name);
  table.class_of_.resize(header.labelled_graphs);
  table.digests_.resize(header.cells);
  std::memcpy(table.class_of_.data(), bytes.data() + sizeof header, classes_bytes);
  std::memcpy(table.digests_.data(), bytes.data() + sizeof header + classes_bytes, digests_bytes);
  table.index("NB101 table '" + name + "'");

  // The checksum guards the bytes; rehashing a sample guards against a table made by a wrong generator.
  CellHasher hasher;
  for (int64_t i = 0; i < table.size(); i += kSpotCheckStride)
    ZCNAS_REQUIRE(hasher(table.cell(i)) == table.hash(i), "NB101 table '{}': cell {} does not have its stored hash",
                  name, i);
  for (int64_t p = 0; p < table.labelled_graphs(); p += kSpotCheckStride)
    ZCNAS_REQUIRE(hasher(table.labelled_graph(p)) == table.hash(table.class_of_[static_cast<size_t>(p)]),
                  "NB101 table '{}': labelled graph {} is filed under a cell of another hash", name, p);
  return table;
}

CellTable CellTable::load_or_generate(const fs::path& cache_file) {
  if (cache_file.empty()) return generate();
  std::error_code error;
  fs::create_directories(cache_file.parent_path(), error);
  // Processes started together (a job array) wait for the first one's table rather than all generating it.
  const FileLock lock(cache_file.string() + ".lock");
  if (fs::exists(cache_file, error)) {
    try {
      return load(cache_file);
    } catch (const Error&) {
      // Damaged, or written by another generator: regenerated and replaced below.
    }
  }
  CellTable table = generate();
  try {
    table.save(cache_file);
  } catch (const Error&) {
    // An unwritable cache only costs the next run another generation.
  }
  return table;
}

fs::path default_cache_file() {
  const std::string file = "nb101-cells-v" + std::to_string(kFormatVersion) + ".bin";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && fs::path(xdg).is_absolute()) return fs::path(xdg) / "zcnas" / file;  // XDG: relative is invalid
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') return fs::path(home) / ".cache" / "zcnas" / file;
  return {};
}

}  // namespace zcnas::nb101
