using Mindstack.Platform.Ai.Local.Lexicons;
using Mindstack.Platform.Ai.Text;

namespace Mindstack.Platform.Ai.Local;

/// <summary>
/// Lexicon-based sentiment in the manner of VADER: each sentiment word's valence is scaled by the
/// intensifiers or dampeners before it, flipped and damped by a negator within three words,
/// raised for SHOUTED words and exclamation marks; after a contrast ("but", "however") the rest of
/// the sentence weighs more. The sum is squashed to [-1, 1] (x / sqrt(x² + 15)) and averaged with
/// the mean sentence score.
/// </summary>
internal static class SentimentAnalyzer
{
    private const double NegationScale = -0.74;
    private const double Alpha = 15;

    private static readonly Dictionary<string, double> NoSymbols = [];

    public static AiSentiment Analyze(string text)
    {
        var sentences = Sentences.Split(text);
        if (sentences.Count == 0)
        {
            return new AiSentiment(AiSentiment.NeutralLabel, 0, 1, 0, 0, 1, []);
        }
        double total = 0, positive = 0, negative = 0;
        var neutralWords = 0;
        var perSentence = new List<AiSentenceSentiment>(sentences.Count);
        var allCaps = text.Where(char.IsLetter).All(char.IsUpper);
        foreach (var sentence in sentences)
        {
            var (sum, pos, neg, neutral) = ScoreSentence(sentence.Text, allCaps);
            total += sum;
            positive += pos;
            negative += neg;
            neutralWords += neutral;
            perSentence.Add(new AiSentenceSentiment(sentence.Text, Round(Squash(sum))));
        }
        // The squashed total saturates on long texts; half of the score is the mean sentence score,
        // so a long, mostly factual text with a few loaded words stays moderate.
        var compound = 0.5 * Squash(total) + 0.5 * perSentence.Average(s => s.Score);
        // Shares as VADER computes them: sentiment mass against neutral words (each worth a little).
        var mass = positive + negative + neutralWords * 0.25;
        var posShare = mass == 0 ? 0 : positive / mass;
        var negShare = mass == 0 ? 0 : negative / mass;
        var neuShare = mass == 0 ? 1 : 1 - posShare - negShare;

        var polarSentences = perSentence.Count(s => Math.Abs(s.Score) >= 0.3);
        var mixed = positive > 0 && negative > 0
            && Math.Min(positive, negative) / Math.Max(positive, negative) >= 0.45
            && Math.Abs(compound) < 0.6
            && polarSentences >= 2;
        string label;
        double confidence;
        if (mixed)
        {
            label = AiSentiment.MixedLabel;
            confidence = 0.5 + 0.4 * Math.Min(positive, negative) / Math.Max(positive, negative);
        }
        else if (compound >= 0.05)
        {
            label = AiSentiment.PositiveLabel;
            confidence = 0.5 + 0.5 * compound;
        }
        else if (compound <= -0.05)
        {
            label = AiSentiment.NegativeLabel;
            confidence = 0.5 + 0.5 * -compound;
        }
        else
        {
            label = AiSentiment.NeutralLabel;
            confidence = 0.5 + 0.5 * neuShare;
        }
        return new AiSentiment(label, Round(compound), Round(confidence), Round(posShare), Round(negShare), Round(neuShare), perSentence);
    }

    private static (double Sum, double Positive, double Negative, int Neutral) ScoreSentence(string sentence, bool textAllCaps)
    {
        var tokens = TextTokens.Words(sentence);
        var lower = tokens.Select(t => t.Lower).ToList();
        var valences = new double[tokens.Count];
        var consumed = new bool[tokens.Count];
        var contrastAt = -1;

        // Phrases first ("waste of money", "highly recommend"), longest match wins.
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!SentimentLexicon.PhrasesByFirstWord.TryGetValue(lower[i], out var candidates))
            {
                continue;
            }
            foreach (var (words, value) in candidates)
            {
                if (!StartsAt(lower, i, words))
                {
                    continue;
                }
                valences[i] = value;
                for (var k = i; k < i + words.Length; k++)
                {
                    consumed[k] = true;
                }
                consumed[i] = value == 0;
                i += words.Length - 1;
                break;
            }
        }

        var neutral = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (SentimentLexicon.Contrasts.Contains(lower[i]) && contrastAt < 0 && i > 0)
            {
                contrastAt = i;
            }
            double valence;
            if (valences[i] != 0)
            {
                valence = valences[i];
            }
            else if (!consumed[i] && SentimentLexicon.Words.TryGetValue(lower[i], out var word) && !IsModifierHere(lower, i))
            {
                valence = word;
            }
            else
            {
                if (!consumed[i])
                {
                    neutral++;
                }
                continue;
            }
            // SHOUTING a word (in a text that is not all capitals) makes it count more.
            if (!textAllCaps && tokens[i].Text.Length > 1 && tokens[i].Text.All(c => !char.IsLetter(c) || char.IsUpper(c)))
            {
                valence *= 1.3;
            }
            valence *= ModifierBefore(lower, i);
            if (NegatedBefore(lower, i))
            {
                valence *= NegationScale;
            }
            valences[i] = valence;
        }

        double sum = 0, positive = 0, negative = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var value = valences[i];
            if (value == 0)
            {
                continue;
            }
            if (contrastAt >= 0)
            {
                value *= i < contrastAt ? 0.5 : 1.5;
            }
            sum += value;
            if (value > 0)
            {
                positive += value;
            }
            else
            {
                negative -= value;
            }
        }

        // Emoticons need punctuation or symbols; most sentences have neither beyond a final stop.
        var symbols = sentence.Any(c => c is ':' or ';' or '<' or '>' || char.IsSurrogate(c) || c is >= '\u2600' and <= '\u27bf')
            ? SentimentLexicon.Symbols
            : NoSymbols;
        foreach (var (symbol, value) in symbols)
        {
            var at = 0;
            while ((at = sentence.IndexOf(symbol, at, StringComparison.Ordinal)) >= 0)
            {
                sum += value;
                if (value > 0)
                {
                    positive += value;
                }
                else
                {
                    negative -= value;
                }
                at += symbol.Length;
            }
        }

        // Exclamation marks add emphasis in the direction the sentence already leans.
        var exclamations = Math.Min(4, sentence.Count(c => c == '!'));
        if (sum != 0 && exclamations > 0)
        {
            var emphasis = exclamations * 0.29 * Math.Sign(sum);
            sum += emphasis;
            if (emphasis > 0)
            {
                positive += emphasis;
            }
            else
            {
                negative -= emphasis;
            }
        }
        return (sum, positive, negative, neutral);
    }

    private static bool StartsAt(List<string> lower, int at, string[] words)
    {
        if (at + words.Length > lower.Count)
        {
            return false;
        }
        for (var k = 0; k < words.Length; k++)
        {
            if (lower[at + k] != words[k])
            {
                return false;
            }
        }
        return true;
    }

    // "so" and "kind" are modifiers, not sentiment, in "so good" and "kind of slow".
    private static bool IsModifierHere(List<string> lower, int i) =>
        lower[i] == "kind" && i + 1 < lower.Count && lower[i + 1] == "of";

    private static double ModifierBefore(List<string> lower, int i)
    {
        var scale = 1.0;
        for (var back = 1; back <= 2 && i - back >= 0; back++)
        {
            var word = lower[i - back];
            if (back == 1 && i >= 2 && lower[i - 1] == "of" && SentimentLexicon.Modifiers.TryGetValue(lower[i - 2] + " of", out var phrase))
            {
                return phrase;
            }
            if (SentimentLexicon.Modifiers.TryGetValue(word, out var modifier))
            {
                // The nearer modifier counts fully, the one before it half as much.
                scale *= back == 1 ? modifier : 1 + (modifier - 1) * 0.5;
            }
            else if (back == 1 && !SentimentLexicon.Negators.Contains(word))
            {
                break;
            }
        }
        return scale;
    }

    private static bool NegatedBefore(List<string> lower, int i)
    {
        for (var back = 1; back <= 3 && i - back >= 0; back++)
        {
            var word = lower[i - back];
            if (SentimentLexicon.Negators.Contains(word) || word.EndsWith("n't", StringComparison.Ordinal))
            {
                // "not only good but great" is not a negation.
                return !(word == "not" && i - back + 1 < lower.Count && lower[i - back + 1] == "only");
            }
            if (SentimentLexicon.Contrasts.Contains(word))
            {
                return false;
            }
        }
        return false;
    }

    private static double Squash(double sum) => sum / Math.Sqrt(sum * sum + Alpha);

    private static double Round(double value) => Math.Round(value, 4);
}
