// NAS-Bench-101 behind the SearchSpace interface. The genome is a 7-vertex cell: its 21 possible edges
// (0->1, 0->2, ..., 0->6, 1->2, ..., 5->6: the upper triangle row by row), then the ops of vertices 1..5.
// Mutations flip one edge or change one op; the result is pruned, and kept when valid. Many genomes are one
// cell: the canonical genome is the index's representative, embedded with the output at vertex 6.
#pragma once
#include <filesystem>
#include <memory>

#include "spaces/nb101/nb101_cell.hpp"
#include "spaces/space.hpp"

namespace zcnas::nb101 {

constexpr int kGenomeVertices = kMaxVertices;
constexpr int kGenomeEdges = kGenomeVertices * (kGenomeVertices - 1) / 2;  // 21
constexpr int kGenomeOps = kGenomeVertices - 2;                            // 5

// The 7-vertex cell a genome spells, unpruned; throws for a genome of the wrong length or choices.
Cell cell_of_genome(const Genome& genome);
// Vertices 0..V-2 keep their numbers, the output moves to vertex 6; unused vertices are isolated conv3x3s.
Genome genome_of_cell(const Cell& cell);

// Cells in the table at `cache_file` (generated there when missing or invalid; empty: no cache).
std::unique_ptr<SearchSpace> make_space(const std::filesystem::path& cache_file);
// Cells cached at default_cache_file() (spaces/nb101/nb101_table.hpp).
std::unique_ptr<SearchSpace> make_space();

}  // namespace zcnas::nb101
