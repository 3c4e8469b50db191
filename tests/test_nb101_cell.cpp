// NB101 cells: MD5 test vectors, arch-string parsing and its errors, nasbench's pruning and the cell hash
// (SPEC.md §5's worked hashes, the oracle's pruned cells and the NASLib table's rows).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "spaces/nb101/md5.hpp"
#include "spaces/nb101/nb101_cell.hpp"
#include "test_support.hpp"

namespace zcnas {
namespace {

using nb101::Cell;
using nb101::parse_cell;

TEST(Md5, Rfc1321TestVectors) {
  nb101::Md5 md5;
  EXPECT_EQ(nb101::hex(md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(nb101::hex(md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(nb101::hex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(nb101::hex(md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(nb101::hex(md5("abcdefghijklmnopqrstuvwxyz")), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(nb101::hex(md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(nb101::hex(md5(std::string(8, '\0').replace(0, 8, "12345678") +
                           std::string(72, 'x').replace(
                               0, 72, "901234567890123456789012345678901234567890123456789012345678901234567890"))),
            "57edf4a22be3c955ac49da2e2107b67a");
  // SPEC.md §5: the initial hash of the input vertex of CSV row 446.
  EXPECT_EQ(nb101::hex(md5("(2, 0, -1)")), "ad8d031e62766066a47673a9cd26bfb5");
}

TEST(Md5, HexParsesBothCasesAndRejectsTheRest) {
  nb101::Digest d{};
  ASSERT_TRUE(nb101::parse_hex("4D8942B8e6368654fafdfaa633cf1bc3", d));
  EXPECT_EQ(nb101::hex(d), "4d8942b8e6368654fafdfaa633cf1bc3");
  EXPECT_FALSE(nb101::parse_hex("4d8942b8e6368654fafdfaa633cf1bc", d));    // 31 digits
  EXPECT_FALSE(nb101::parse_hex("4d8942b8e6368654fafdfaa633cf1bc3a", d));  // 33
  EXPECT_FALSE(nb101::parse_hex("4d8942b8e6368654fafdfaa633cf1bcg", d));
}

// CSV row 446, unpruned and already minimal: 7 vertices, 8 edges.
constexpr const char* kRow446 =
    "0110000000100100001000000010000000100000010000000:input,conv1x1-bn-relu,maxpool3x3,conv1x1-bn-relu,"
    "conv1x1-bn-relu,conv3x3-bn-relu,output";

TEST(Nb101Hash, WorkedExamplesOfTheSpec) {
  EXPECT_EQ(nb101::cell_hash(parse_cell(kRow446)), "4d8942b8e6368654fafdfaa633cf1bc3");
  // The same cell with vertices 1 and 2 swapped (rows, columns and ops): an isomorphic cell, the same hash.
  const Cell swapped = parse_cell(
      "0110000000010000010010000010000000100000010000000:input,maxpool3x3,conv1x1-bn-relu,conv1x1-bn-relu,"
      "conv1x1-bn-relu,conv3x3-bn-relu,output");
  EXPECT_NE(swapped, parse_cell(kRow446));
  EXPECT_EQ(nb101::cell_hash(swapped), "4d8942b8e6368654fafdfaa633cf1bc3");
  EXPECT_EQ(nb101::cell_hash(parse_cell("0100:input,output")), "043721b9c7fe8c5fad811d47d83132ec");
  // The nasbench README's Inception-like cell.
  const Cell inception = parse_cell(
      "0111010000000100000010000100000000100000010000000:input,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
      "conv3x3-bn-relu,maxpool3x3,output");
  EXPECT_EQ(nb101::cell_hash(inception), "28cfc7874f6d200472e1a9dcd8650aa0");
}

TEST(Nb101Hash, OpLabelsAndEdgesChangeIt) {
  const std::string base = nb101::cell_hash(parse_cell("011001000:input,conv3x3-bn-relu,output"));
  EXPECT_NE(nb101::cell_hash(parse_cell("011001000:input,conv1x1-bn-relu,output")), base);
  EXPECT_NE(nb101::cell_hash(parse_cell("010001000:input,conv3x3-bn-relu,output")), base);
  // One hasher reused across cells gives what a fresh one gives.
  nb101::CellHasher hasher;
  for (const char* text : {"011001000:input,maxpool3x3,output", kRow446, "0100:input,output"})
    EXPECT_EQ(nb101::hex(hasher(parse_cell(text))), nb101::cell_hash(parse_cell(text))) << text;
}

TEST(Nb101Cell, PrunesVerticesOffEveryInputOutputPath) {
  // Vertex 1 is not reached from the input; vertex 2 reaches no output: both go, with their ops.
  const Cell c = parse_cell("0001100110000010000100000:input,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,output");
  EXPECT_EQ(nb101::format_cell(c), "011001000:input,conv3x3-bn-relu,output");
  EXPECT_EQ(c.num_edges(), 3);
  // An already pruned cell is kept as it is, and its string reads back to it.
  const Cell p = parse_cell(kRow446);
  EXPECT_EQ(nb101::format_cell(p), kRow446);
  EXPECT_EQ(parse_cell(nb101::format_cell(p)), p);
  // Labels may be separated by '|', as the NASLib tables write them.
  EXPECT_EQ(parse_cell("011001000:input|conv3x3-bn-relu|output"), parse_cell("011001000:input,conv3x3-bn-relu,output"));
}

TEST(Nb101Cell, EdgesAreCountedAfterPruning) {
  // 12 edges, 3 of them into vertex 5, which feeds nothing: pruned away they leave 9, a valid cell.
  const std::string ten_plus =
      "0111010001101000001100000101000000100000000000000:input,conv3x3-bn-relu,conv3x3-bn-relu,"
      "conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,output";
  EXPECT_EQ(parse_cell(ten_plus).vertices, 6);
  EXPECT_EQ(parse_cell(ten_plus).num_edges(), 9);
  // The full 5-vertex DAG has 10 edges and nothing to prune.
  const std::string full5 = "0111100111000110000100000:input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output";
  EXPECT_NE(test::error_of([&] { parse_cell(full5); }).find("has 10 edges after pruning: at most 9"),
            std::string::npos);
}

TEST(Nb101Cell, ParseErrorsQuoteTheStringAndSayWhatIsWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0100", "expected MATRIX:OPS"},
      {"0100:input", "has 1 op labels: a cell has 2..7"},
      {"0:input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output",
       "has 8 op labels"},
      {"010:input,output", "its matrix has 3 digits, its 2 op labels need 2x2 = 4"},
      {"0100:output,input", "vertex 0 is 'output', it must be 'input'"},
      {"011001000:input,conv3x3-bn-relu,maxpool3x3", "vertex 2 (the last) is 'maxpool3x3', it must be 'output'"},
      {"011001000:input,conv5x5,output", "vertex 1 has the unknown op 'conv5x5'"},
      {"011001000:input,output,output", "vertex 1 has the unknown op 'output'"},
      {"01x001001:input,conv3x3-bn-relu,output", "matrix character 2 is 'x', not 0 or 1"},
      {"011101001:input,conv3x3-bn-relu,output", "has an edge 1->0: the matrix must be strictly upper-triangular"},
      {"1100:input,output", "has an edge 0->0"},
      {"0000:input,output", "the input does not reach the output"},
      {"010000000:input,conv3x3-bn-relu,output", "the input does not reach the output"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string message = test::error_of([&] { parse_cell(text); });
    EXPECT_NE(message.find("'" + text + "'"), std::string::npos) << text << " -> " << message;
    EXPECT_NE(message.find(expected), std::string::npos) << text << " -> " << message;
  }
}

TEST(Nb101Cell, OracleCellsPruneAndHashAsTheReference) {
  ZCNAS_REQUIRE_SHARED("oracle/nb101/cases.json");
  std::ifstream in(test::shared_path("oracle/nb101/cases.json"));
  const nlohmann::json cases = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& c : cases.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    std::string text = c.at("matrix").get<std::string>() + ":";
    for (const auto& op : c.at("ops")) text += op.get<std::string>() + ",";
    text.pop_back();
    const Cell cell = parse_cell(text);
    EXPECT_EQ(nb101::matrix_string(cell), c.at("pruned_matrix").get<std::string>()) << name;
    EXPECT_EQ(cell.vertices, c.at("num_vertices").get<int>()) << name;
    EXPECT_EQ(cell.num_edges(), c.at("num_edges").get<int>()) << name;
    std::string pruned_ops;
    for (const auto& op : c.at("pruned_ops")) pruned_ops += "," + op.get<std::string>();
    EXPECT_EQ(nb101::format_cell(cell), nb101::matrix_string(cell) + ":" + pruned_ops.substr(1)) << name;
    EXPECT_EQ(nb101::cell_hash(cell), c.at("hash").get<std::string>()) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

TEST(Nb101Cell, EveryNaslibRowIsValidAndAllButOneChangeWhenPruned) {
  ZCNAS_REQUIRE_SHARED("data/nb101/naslib_zc_subset.csv");
  std::ifstream in(test::shared_path("data/nb101/naslib_zc_subset.csv"));
  std::string line;
  std::getline(in, line);  // header
  int rows = 0, changed = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string matrix, ops;
    std::getline(fields, matrix, ',');
    std::getline(fields, ops, ',');
    const Cell cell = parse_cell(matrix + ":" + ops);
    EXPECT_LE(cell.num_edges(), nb101::kMaxEdges) << line;
    EXPECT_EQ(parse_cell(nb101::format_cell(cell)), cell) << line;  // pruning is idempotent
    changed += nb101::matrix_string(cell) != matrix ? 1 : 0;
    ++rows;
  }
  EXPECT_EQ(rows, 500);
  EXPECT_EQ(changed, 499);  // SPEC.md §5: the table's matrices are unpruned
}

}  // namespace
}  // namespace zcnas
