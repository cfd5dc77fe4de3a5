#pragma once
// The golden files beside the int16x8 models in ../shared/models/int16x8
// (NAME_input0_int16.csv, NAME_golden_int16.csv, ...): integers separated by commas.

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ql::test {

// Every integer of the file as T, in order; empty when the file cannot be read.
template <class T> std::vector<T> readCsv(const std::string& path) {
    std::ifstream f(path);
    std::vector<T> v;
    std::string token;
    while (std::getline(f, token, ',')) {
        std::stringstream ss(token);
        long long x = 0;
        while (ss >> x) v.push_back(static_cast<T>(x)); // a token may span a line break
    }
    return v;
}

} // namespace ql::test
