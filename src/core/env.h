#pragma once

// Environment lookup injected into everything that reads environment variables (credentials,
// region, endpoints, ${VAR} expansion in the config), so tests never depend on the real process
// environment. cli/ builds the real one; tests use MapEnv.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace statusbridge {

// Returns the variable's value, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Reads the real process environment (getenv).
EnvLookup ProcessEnv();

// A fixed environment for tests.
EnvLookup MapEnv(std::map<std::string, std::string> vars);

}  // namespace statusbridge
