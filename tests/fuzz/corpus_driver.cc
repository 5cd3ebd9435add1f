// A main() for running a fuzz target as an ordinary test, without libFuzzer (the g++ debug and
// asan-ubsan builds link every *_fuzz.cc with it; ctest runs it as fuzz_corpus.<name>).
//
// Each argument is a file or a directory; a directory stands for its regular files, in name
// order (not recursive). Every file's bytes go through LLVMFuzzerTestOneInput once, from a heap
// buffer of exactly the file's size, so AddressSanitizer sees any read past the end. The file's
// name is printed before it runs, so a crash names its input. Exits 0 after running them all, 2
// when an argument cannot be read or no file was found (an empty corpus is a mistake).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool Collect(const fs::path& arg, std::vector<fs::path>* files) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    std::vector<fs::path> found;
    for (const fs::directory_entry& e : fs::directory_iterator(arg, ec)) {
      if (e.is_regular_file()) {
        found.push_back(e.path());
      }
    }
    if (ec) {
      std::fprintf(stderr, "corpus_driver: cannot list %s: %s\n", arg.c_str(),
                   ec.message().c_str());
      return false;
    }
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
    return true;
  }
  if (fs::is_regular_file(arg, ec)) {
    files->push_back(arg);
    return true;
  }
  std::fprintf(stderr, "corpus_driver: %s is neither a file nor a directory\n", arg.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (!Collect(argv[i], &files)) {
      return 2;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s FILE|DIR...  (no input file found)\n", argv[0]);
    return 2;
  }
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "corpus_driver: cannot read %s\n", file.c_str());
      return 2;
    }
    std::fprintf(stderr, "running %s (%zu bytes)\n", file.c_str(), bytes.size());
    // Exactly-sized copy: a std::string's spare capacity would hide a one-byte over-read.
    auto buffer = std::make_unique<uint8_t[]>(std::max<size_t>(bytes.size(), 1));
    std::copy(bytes.begin(), bytes.end(), buffer.get());
    LLVMFuzzerTestOneInput(bytes.empty() ? nullptr : buffer.get(), bytes.size());
  }
  std::printf("%zu inputs ran without a crash\n", files.size());
  return 0;
}
