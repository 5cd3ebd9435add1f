#pragma once

// `credential_process` (shared config file key): an external command that prints credentials.
// Contract as botocore's ProcessProvider and the SDK reference guide
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html):
//
//   - The command line is split into words the way a POSIX shell (Python's shlex.split) would:
//     blanks separate words; '...' is literal; "..." allows the escapes \" and \\; a backslash
//     outside quotes escapes the next character. It is then run directly, without a shell, with
//     PATH lookup for the first word; no expansion of $VAR, globs, pipes or redirections.
//   - stdin is /dev/null; stdout is read (at most 1 MiB); stderr is not captured: it goes to
//     our own stderr, where the operator sees it, and never into a Status message (a helper may
//     print secrets there).
//   - The command must exit 0 within `timeout`; otherwise its whole process group is killed.
//   - stdout must be one JSON object
//       {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//        "SessionToken": "..." (optional), "Expiration": "ISO 8601" (optional)}
//     Without Expiration the credentials never expire (they are not refreshed).
//
// Errors (messages name the profile and the program, argv[0], never other arguments, which may
// hold secrets, and never a byte of stdout):
//   unbalanced quotes, empty command            InvalidArgument
//   program cannot be started                   FailedPrecondition ("cannot run ...: No such file")
//   timeout                                     DeadlineExceeded
//   non-zero exit or killed by a signal         FailedPrecondition ("exited with status 3")
//   not JSON / not an object / Version != 1 / a required member missing or not a string /
//   Expiration unreadable                       InvalidArgument
//   Expiration at or before now                 PermissionDenied ("returned credentials that
//                                               expired at ...")
//
// Thread-safe: every call spawns its own process.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "core/clock.h"
#include "core/result.h"

namespace statusbridge::aws {

// Splits `command_line` like shlex.split (POSIX mode, no comments). InvalidArgument for an
// unterminated quote or a trailing backslash.
Result<std::vector<std::string>> SplitCommandLine(std::string_view command_line);

struct ProcessOptions {
  // The whole run, from start to exit. Default: 30s (botocore has none; a hung helper must not
  // hang the bridge).
  Millis timeout{30000};
};

// Runs `command_line` and parses its output as above. `where` names the configuration for
// messages and the credentials' source, e.g. "profile \"ci\"": the result's source is
// "credential_process of profile \"ci\"". `now` is for the expiry check.
Result<Credentials> RunCredentialProcess(const std::string& command_line, const std::string& where,
                                         SystemTime now, const ProcessOptions& options = {});

// A provider running `command_line` on every GetCredentials() (wrap it in a RefreshingProvider
// to cache). Name(): "credential_process of <where>". `clock` must outlive the provider.
std::unique_ptr<CredentialsProvider> NewProcessProvider(std::string command_line, std::string where,
                                                        Clock& clock, ProcessOptions options = {});

}  // namespace statusbridge::aws
