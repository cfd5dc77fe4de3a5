#pragma once
// Names a user may have mistyped: the edit distance between two names and the nearest of a
// list, for messages such as "no tensor 'conv_12'; nearest: conv_11, conv_13".

#include <cstddef>
#include <string>
#include <vector>

namespace ql {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
size_t editDistance(const std::string& a, const std::string& b);

// Up to `count` candidates closest to `typed` (ties in the candidates' order), nearest first;
// duplicates are listed once.
std::vector<std::string> nearestNames(const std::string& typed,
                                      const std::vector<std::string>& candidates, size_t count = 3);

} // namespace ql
