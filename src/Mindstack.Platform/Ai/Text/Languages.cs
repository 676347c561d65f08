namespace Mindstack.Platform.Ai.Text;

/// <summary>
/// Stop words of the Latin-script languages the local engine knows, and a language guess by
/// stop-word share. Stop words carry no topic; scoring ignores them.
/// </summary>
internal static class Languages
{
    public const string Undetermined = "und";

    private static readonly Dictionary<string, HashSet<string>> StopWords = new(StringComparer.Ordinal)
    {
        ["en"] = Set("""
            a about above after again against all am an and any are aren't as at be because been before being below between
            both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from
            further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his
            how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
            not of off on once only or other ought our ours ourselves out over own same shan't she she'd she'll she's should
            shouldn't so some such than that that's the their theirs them themselves then there there's these they they'd
            they'll they're they've this those through to too under until up very was wasn't we we'd we'll we're we've were
            weren't what what's when when's where where's which while who who's whom why why's will with won't would wouldn't
            you you'd you'll you're you've your yours yourself yourselves also just said says will would may might must shall
            one two get got us via per yet ever every much many well still even
            """),
        ["es"] = Set("""
            de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o este sí porque esta
            entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros
            ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos
            cual poco ella estar estas algunas algo nosotros es son fue ha han era está están ser
            """),
        ["fr"] = Set("""
            au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me même mes moi mon ne nos notre
            nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d j l à m n s t y
            été est sont était ont a ai cette cet comme plus tout très aussi bien sans sous entre où donc ni car si leurs
            """),
        ["de"] = Set("""
            aber alle allem allen aller als also am an ander andere auch auf aus bei bin bis bist da damit dann das dass dem
            den der des dich die dies diese dieser dieses dir doch dort du durch ein eine einem einen einer eines er es etwas
            für hat hatte ich ihr ihre im in ist ja jede jedem jeden jeder kann kein keine mich mir mit muss nach nicht nichts
            noch nun nur ob oder ohne sehr sein seine sich sie sind so über um und uns unter vom von vor war waren was weil
            wenn wer wie wir wird wurde zu zum zur zwischen werden wurden haben
            """),
        ["it"] = Set("""
            il lo la i gli le di a da in con su per tra fra un una uno e ed o ma se perché che chi cui non più come anche
            sono è era erano del della dei delle al alla ai alle nel nella nei nelle sul sulla questo questa quello quella
            molto tutto tutti ci si ne mi ti vi loro suo sua suoi sue essere stato ha hanno
            """),
        ["pt"] = Set("""
            de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou
            ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos ter seus quem
            nas me esse eles estão você tinha foram essa num nem suas meu às minha têm numa pelos elas
            """),
        ["nl"] = Set("""
            de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou of wat mijn
            men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben deze u want nog zal
            me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet ben zonder kan hun dus alles onder
            """),
    };

    private static readonly HashSet<string> Empty = [];

    private static HashSet<string> Set(string words) =>
        new(words.Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Known => StopWords.Keys;

    /// <summary>The stop words of a language (English for an undetermined one).</summary>
    public static HashSet<string> StopWordsOf(string language) =>
        StopWords.TryGetValue(language, out var set) ? set : language == Undetermined ? StopWords["en"] : Empty;

    public static bool IsStopWord(string lower, string language) => StopWordsOf(language).Contains(lower);

    /// <summary>True for words that are stop words in any known language (for language-neutral features).</summary>
    public static bool IsAnyStopWord(string lower)
    {
        foreach (var set in StopWords.Values)
        {
            if (set.Contains(lower))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The language of a text: the known language whose stop words cover most of its words, when
    /// the text is mostly Latin script and the evidence is clear; otherwise <c>und</c>.
    /// </summary>
    public static string Detect(IReadOnlyList<string> lowerWords)
    {
        if (lowerWords.Count == 0)
        {
            return Undetermined;
        }
        var latin = 0;
        var letters = 0;
        foreach (var word in lowerWords)
        {
            foreach (var c in word)
            {
                if (char.IsLetter(c))
                {
                    letters++;
                    if (TextTokens.IsLatinLetter(c))
                    {
                        latin++;
                    }
                }
            }
        }
        if (letters == 0 || latin < letters * 0.7)
        {
            return Undetermined;
        }
        string best = Undetermined;
        var bestHits = 0;
        var secondHits = 0;
        foreach (var (language, set) in StopWords)
        {
            var hits = 0;
            foreach (var word in lowerWords)
            {
                if (set.Contains(word))
                {
                    hits++;
                }
            }
            if (hits > bestHits)
            {
                secondHits = bestHits;
                bestHits = hits;
                best = language;
            }
            else if (hits > secondHits)
            {
                secondHits = hits;
            }
        }
        // Short texts share words across languages ("a", "no", "de"): ask for a clear lead.
        return bestHits >= 2 && bestHits > secondHits * 1.2 ? best : lowerWords.Count < 4 && bestHits >= 1 ? best : Undetermined;
    }
}
