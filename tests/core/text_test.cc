#include "core/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

using ::testing::ElementsAre;

TEST(Utf8SequenceLengthTest, MeasuresOneWellFormedSequence) {
  EXPECT_EQ(Utf8SequenceLength("a"), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9x"), 2u);         // é
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98\x80"), 4u);  // 😀
  EXPECT_EQ(Utf8SequenceLength(""), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xC0\xAF"), 0u);      // overlong
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80"), 0u);  // a surrogate
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82"), 0u);      // cut short
}

TEST(TrimTest, RemovesAsciiWhitespaceOrTheGivenCharactersAtBothEnds) {
  EXPECT_EQ(Trim("  a b \t\r\n\v\f"), "a b");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \t\n "), "");
  EXPECT_EQ(Trim("x"), "x");
  EXPECT_EQ(Trim("\xC2\xA0x\xC2\xA0"), "\xC2\xA0x\xC2\xA0");  // NBSP is not ASCII whitespace
  EXPECT_EQ(Trim(" \t a\n\t ", " \t"), "a\n");
}

TEST(SplitTest, KeepsEmptyParts) {
  EXPECT_THAT(Split("a/b/c", '/'), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Split("", '/'), ElementsAre(""));
  EXPECT_THAT(Split("/a//", '/'), ElementsAre("", "a", "", ""));
  EXPECT_THAT(Split("abc", ';'), ElementsAre("abc"));
}

TEST(JoinTest, PutsTheSeparatorBetweenItems) {
  EXPECT_EQ(Join({}, ", "), "");
  EXPECT_EQ(Join({"a"}, ", "), "a");
  EXPECT_EQ(Join({"a", "", "c"}, "|"), "a||c");
}

TEST(ParseFiniteDoubleTest, ReadsWholeFiniteNumbersOnly) {
  EXPECT_EQ(ParseFiniteDouble("-1.5"), -1.5);
  EXPECT_EQ(ParseFiniteDouble("2e3"), 2000.0);
  EXPECT_EQ(ParseFiniteDouble(".5"), 0.5);
  for (const char* bad : {"", "+1", " 1", "1 ", "1x", "inf", "nan", "1e999", "0x10", "-"}) {
    EXPECT_EQ(ParseFiniteDouble(bad), std::nullopt) << bad;
  }
}

TEST(AsciiLowerTest, LowersOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Sum-P99_\xC3\x89"), "sum-p99_\xC3\x89");
}

TEST(EditDistanceTest, CountsSingleByteEdits) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("stat", "stat"), 0u);
}

TEST(DidYouMeanTest, GuessesCloseWordsAndPrefixesIgnoringCase) {
  const std::vector<std::string_view> keys = {"page_id", "api_key", "statuspage_metric_id", "stat"};
  EXPECT_EQ(DidYouMean("api_kye", keys), "api_key");
  EXPECT_EQ(DidYouMean("PAGE_ID", keys), "page_id");
  EXPECT_EQ(DidYouMean("statistic", keys), "stat");
  EXPECT_EQ(DidYouMean("metric_id", keys), "statuspage_metric_id");
  EXPECT_EQ(DidYouMean("zzz", keys), std::nullopt);
  // Short words allow one edit only.
  EXPECT_EQ(DidYouMean("Avg", {"Sum", "Average"}), std::nullopt);
  EXPECT_EQ(DidYouMean("sum", {"Sum", "Average"}), "Sum");
}

}  // namespace
}  // namespace statusbridge
