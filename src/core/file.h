#pragma once

// Reading small local files that a person points us at: the config file, the Statuspage API key
// file, the AWS shared config/credentials files, web identity and container token files.
//
// Only regular files are read. A FIFO, a socket, a directory or a device named as one of these
// files would otherwise block the process forever (a FIFO with no writer), never end (/dev/zero)
// or fail in some obscure way; here it is refused at once with an error saying what the path is.
// Symbolic links are followed: Kubernetes mounts secrets as symlinks to regular files.
//
// Thread-safe; touches only the file named.

#include <cstddef>
#include <string>

#include "core/result.h"

namespace statusbridge {

// Reads the whole of the regular file at `path` (after following symlinks), which must hold at
// most `max_bytes` bytes. The path is opened non-blocking, so opening a FIFO never waits for a
// writer, and the opened descriptor is checked (fstat), so nothing can be swapped in between a
// check and the read.
//
// Errors carry only the reason, never the path, so each caller can say which setting named it:
//   - NotFound "No such file or directory" when nothing is there (also a dangling symlink, or a
//     path through a missing directory: ENOENT, ENOTDIR);
//   - FailedPrecondition for everything else:
//       strerror text when it cannot be opened or read ("Permission denied", ...);
//       "is a directory, not a regular file"; "is a FIFO (named pipe), not a regular file";
//       likewise "a socket", "a character device", "a block device";
//       "is larger than <N> KiB" (or MiB, or bytes) when it holds more than `max_bytes`.
Result<std::string> ReadRegularFile(const std::string& path, size_t max_bytes);

// "16 MiB", "64 KiB", "1000 bytes": `bytes` in the largest unit that divides it exactly.
std::string FormatByteSize(size_t bytes);

}  // namespace statusbridge
