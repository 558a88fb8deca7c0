//! zxcvbn's feedback as Roster's data (`domain::GuessWarning`, `domain::GuessTip`), so the
//! page can word it in its language; the English of both is zxcvbn's own.

use crate::domain::{GuessTip, GuessWarning};

/// zxcvbn's warning as Roster's data (the same words in English).
pub(super) fn warning(warning: zxcvbn::feedback::Warning) -> GuessWarning {
    use zxcvbn::feedback::Warning as W;
    match warning {
        W::StraightRowsOfKeysAreEasyToGuess => GuessWarning::StraightRows,
        W::ShortKeyboardPatternsAreEasyToGuess => GuessWarning::ShortKeyboardPatterns,
        W::RepeatsLikeAaaAreEasyToGuess => GuessWarning::RepeatedCharacters,
        W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => GuessWarning::RepeatedPatterns,
        W::ThisIsATop10Password => GuessWarning::Top10,
        W::ThisIsATop100Password => GuessWarning::Top100,
        W::ThisIsACommonPassword => GuessWarning::Common,
        W::ThisIsSimilarToACommonlyUsedPassword => GuessWarning::SimilarToCommon,
        W::SequencesLikeAbcAreEasyToGuess => GuessWarning::Sequences,
        W::RecentYearsAreEasyToGuess => GuessWarning::RecentYears,
        W::AWordByItselfIsEasyToGuess => GuessWarning::SingleWord,
        W::DatesAreOftenEasyToGuess => GuessWarning::Dates,
        W::NamesAndSurnamesByThemselvesAreEasyToGuess => GuessWarning::NamesAlone,
        W::CommonNamesAndSurnamesAreEasyToGuess => GuessWarning::CommonNames,
    }
}

/// zxcvbn's suggestion as Roster's data (the same words in English).
pub(super) fn tip(tip: zxcvbn::feedback::Suggestion) -> GuessTip {
    use zxcvbn::feedback::Suggestion as S;
    match tip {
        S::UseAFewWordsAvoidCommonPhrases => GuessTip::FewWords,
        S::NoNeedForSymbolsDigitsOrUppercaseLetters => GuessTip::NoSymbolsNeeded,
        S::AddAnotherWordOrTwo => GuessTip::AddWords,
        S::CapitalizationDoesntHelpVeryMuch => GuessTip::Capitalization,
        S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => GuessTip::AllUppercase,
        S::ReversedWordsArentMuchHarderToGuess => GuessTip::ReversedWords,
        S::PredictableSubstitutionsDontHelpVeryMuch => GuessTip::Substitutions,
        S::UseALongerKeyboardPatternWithMoreTurns => GuessTip::LongerKeyboardPattern,
        S::AvoidRepeatedWordsAndCharacters => GuessTip::AvoidRepeats,
        S::AvoidSequences => GuessTip::AvoidSequences,
        S::AvoidRecentYears => GuessTip::AvoidRecentYears,
        S::AvoidYearsThatAreAssociatedWithYou => GuessTip::AvoidYours,
        S::AvoidDatesAndYearsThatAreAssociatedWithYou => GuessTip::AvoidDates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Roster's copies of zxcvbn's feedback read exactly as zxcvbn's own English.
    #[test]
    fn the_feedback_reads_as_zxcvbn_says_it() {
        use zxcvbn::feedback::{Suggestion as S, Warning as W};
        let warnings = [
            W::StraightRowsOfKeysAreEasyToGuess,
            W::ShortKeyboardPatternsAreEasyToGuess,
            W::RepeatsLikeAaaAreEasyToGuess,
            W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
            W::ThisIsATop10Password,
            W::ThisIsATop100Password,
            W::ThisIsACommonPassword,
            W::ThisIsSimilarToACommonlyUsedPassword,
            W::SequencesLikeAbcAreEasyToGuess,
            W::RecentYearsAreEasyToGuess,
            W::AWordByItselfIsEasyToGuess,
            W::DatesAreOftenEasyToGuess,
            W::NamesAndSurnamesByThemselvesAreEasyToGuess,
            W::CommonNamesAndSurnamesAreEasyToGuess,
        ];
        for w in warnings {
            assert_eq!(warning(w).to_string(), w.to_string());
        }
        let tips = [
            S::UseAFewWordsAvoidCommonPhrases,
            S::NoNeedForSymbolsDigitsOrUppercaseLetters,
            S::AddAnotherWordOrTwo,
            S::CapitalizationDoesntHelpVeryMuch,
            S::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase,
            S::ReversedWordsArentMuchHarderToGuess,
            S::PredictableSubstitutionsDontHelpVeryMuch,
            S::UseALongerKeyboardPatternWithMoreTurns,
            S::AvoidRepeatedWordsAndCharacters,
            S::AvoidSequences,
            S::AvoidRecentYears,
            S::AvoidYearsThatAreAssociatedWithYou,
            S::AvoidDatesAndYearsThatAreAssociatedWithYou,
        ];
        for s in tips {
            assert_eq!(tip(s).to_string(), s.to_string());
        }
        assert_eq!(warnings.len(), GuessWarning::ALL.len());
        assert_eq!(tips.len(), GuessTip::ALL.len());
    }
}
