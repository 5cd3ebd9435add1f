#pragma once

// gtest helpers for Status and Result<T> (the shape of Envoy's status_utility.h).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/result.h"
#include "core/status.h"

namespace statusbridge::testing {

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  return r.status();
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const Status& s = GetStatus(arg);
  if (s.code() != code) {
    *result_listener << "code is " << StatusCodeName(s.code()) << " (" << s.message() << ")";
    return false;
  }
  return ::testing::ExplainMatchResult(message_matcher, s.message(), result_listener);
}

}  // namespace statusbridge::testing

#define EXPECT_OK(expr)                                          \
  do {                                                           \
    const auto& sb_e_ = (expr);                                  \
    EXPECT_TRUE(::statusbridge::testing::GetStatus(sb_e_).ok())  \
        << ::statusbridge::testing::GetStatus(sb_e_).ToString(); \
  } while (0)
#define ASSERT_OK(expr)                                          \
  do {                                                           \
    const auto& sb_e_ = (expr);                                  \
    ASSERT_TRUE(::statusbridge::testing::GetStatus(sb_e_).ok())  \
        << ::statusbridge::testing::GetStatus(sb_e_).ToString(); \
  } while (0)
