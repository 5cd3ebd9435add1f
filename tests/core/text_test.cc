#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

namespace statusbridge {
namespace {

TEST(IsValidUtf8Test, AcceptsWellFormedAndRefusesTheRest) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));           // Latin-1
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // cut short
  EXPECT_FALSE(IsValidUtf8("\x80"));              // a lone continuation byte
}

TEST(HasControlCharacterTest, FindsC0DelAndC1) {
  EXPECT_FALSE(HasControlCharacter("api-reliability"));
  EXPECT_FALSE(HasControlCharacter("caf\xC3\xA9 \xC2\xA0"));  // é, NBSP (U+00A0 is not C1)
  EXPECT_TRUE(HasControlCharacter("a\x1B[31mb"));
  EXPECT_TRUE(HasControlCharacter(std::string("a\0b", 3)));
  EXPECT_TRUE(HasControlCharacter("a\tb"));
  EXPECT_TRUE(HasControlCharacter("a\nb"));
  EXPECT_TRUE(HasControlCharacter("a\x7F"));
  EXPECT_TRUE(HasControlCharacter("a\xC2\x85z"));  // U+0085 NEL
  EXPECT_TRUE(
      HasControlCharacter("\xC2\x9B"
                          "31m"));            // U+009B CSI
  EXPECT_FALSE(HasControlCharacter("\x85"));  // not UTF-8, so not a C1 character either
  EXPECT_FALSE(HasControlCharacter("line one\n\tline two\r\n", "\t\n\r"));
  EXPECT_TRUE(HasControlCharacter("line one\n\x1B", "\t\n\r"));
}

TEST(EscapeTextTest, EscapesControlsAndBadBytesKeepsTheRest) {
  EXPECT_EQ(EscapeText("plain"), "plain");
  EXPECT_EQ(EscapeText("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(EscapeText("a\x1B[2Jb"), "a\\x1B[2Jb");
  EXPECT_EQ(EscapeText("one\ntwo\r\tthree"), "one\\x0Atwo\\x0D\\x09three");
  EXPECT_EQ(EscapeText(std::string("\0", 1)), "\\x00");
  EXPECT_EQ(EscapeText("del\x7F"), "del\\x7F");
  EXPECT_EQ(EscapeText("nel\xC2\x85"), "nel\\xC2\\x85");
  EXPECT_EQ(EscapeText("caf\xE9!"), "caf\\xE9!");
  EXPECT_EQ(EscapeText("\xE2\x82"), "\\xE2\\x82");
}

TEST(EscapeTextTest, CutsLongTextWithoutSplittingAnEscapeOrACharacter) {
  EXPECT_EQ(EscapeText(std::string(200, 'a'), 10), "aaaaaaaaaa...");
  EXPECT_EQ(EscapeText("abcdefgh\x1B", 10), "abcdefgh...");
  EXPECT_EQ(EscapeText("abcdefghi\xC3\xA9", 10), "abcdefghi...");
  EXPECT_EQ(EscapeText("abcdefghij", 10), "abcdefghij");
  std::string out = EscapeText(std::string(1 << 20, '\x01'));
  EXPECT_LE(out.size(), 103u);
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_FALSE(HasControlCharacter(out));
}

}  // namespace
}  // namespace statusbridge
