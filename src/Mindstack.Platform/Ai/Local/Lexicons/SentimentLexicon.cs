namespace Mindstack.Platform.Ai.Local.Lexicons;

/// <summary>
/// The project's own sentiment lexicon: word (or phrase) → valence from -4 to +4, with negators,
/// intensifiers and dampeners. English in depth; Spanish, French, German, Italian and Portuguese
/// essentials. Written for product reviews, support messages, social posts and news.
/// </summary>
internal static class SentimentLexicon
{
    private const string English = """
        good:1.9 great:3.1 excellent:3.3 amazing:3.2 awesome:3.1 fantastic:3.3 wonderful:3.2 superb:3.2 outstanding:3.3
        brilliant:3.0 perfect:3.0 love:3.0 loved:3.0 loves:2.9 loving:2.8 like:1.4 liked:1.6 likes:1.4 enjoy:2.2 enjoyed:2.3
        happy:2.6 glad:2.1 pleased:2.2 delighted:3.0 satisfied:1.9 impressed:2.4 impressive:2.6 beautiful:2.8 nice:1.8
        lovely:2.6 pleasant:2.1 best:2.9 better:1.6 improved:1.7 improvement:1.6 recommend:2.0 recommended:2.0 worth:1.4
        reliable:2.0 sturdy:1.7 solid:1.5 fast:1.3 quick:1.2 smooth:1.6 easy:1.6 intuitive:1.9 comfortable:1.9 helpful:2.2
        friendly:2.0 kind:1.9 polite:1.6 clean:1.5 fresh:1.3 fun:2.2 exciting:2.4 excited:2.3 thrilled:3.0 grateful:2.6
        thank:1.8 thanks:1.8 thankful:2.3 appreciate:2.1 appreciated:2.1 success:2.4 successful:2.4 win:2.3 won:2.2 wins:2.2
        winning:2.3 gain:1.4 gains:1.4 growth:1.3 profit:1.6 profitable:1.9 strong:1.4 stronger:1.5 robust:1.5 stable:1.1
        positive:2.0 optimistic:2.0 hope:1.6 hopeful:1.9 confident:1.9 safe:1.4 secure:1.3 calm:1.3 relaxed:1.6 relief:1.8
        proud:2.1 praise:2.3 praised:2.3 celebrate:2.6 celebrated:2.5 congratulations:2.9 congrats:2.7 bravo:2.7 wow:2.3
        favorite:2.2 favourite:2.2 incredible:2.9 remarkable:2.5 exceptional:3.0 flawless:3.1 elegant:2.2 gorgeous:3.0
        cute:2.0 cool:1.4 neat:1.5 handy:1.5 useful:1.8 valuable:2.0 affordable:1.6 bargain:1.7 generous:2.1 efficient:1.8
        effective:1.8 accurate:1.6 responsive:1.6 durable:1.8 convenient:1.7 wonderfully:3.0 beautifully:2.7 works:0.8
        worked:0.7 working:0.4 fixed:1.2 resolved:1.5 solved:1.6 delightful:2.9 charming:2.3 superior:2.1 top-notch:3.0
        recovered:1.3 rebound:1.2 surge:1.2 soared:1.8 boost:1.5 boosted:1.5 breakthrough:2.3 innovative:2.1 agree:1.2
        support:1.1 supportive:2.0 welcome:1.8 yay:2.4 haha:1.5 lol:1.2 ok:0.4 okay:0.4 fine:0.8 decent:1.2 adequate:0.6
        bad:-2.5 terrible:-3.2 awful:-3.2 horrible:-3.3 poor:-2.1 worst:-3.4 worse:-2.1 hate:-3.2 hated:-3.1 hates:-3.0
        dislike:-2.0 disliked:-2.0 disappointed:-2.4 disappointing:-2.4 disappointment:-2.4 useless:-2.6 broken:-2.2
        broke:-1.9 breaks:-1.6 defective:-2.5 faulty:-2.4 cheap:-0.8 flimsy:-2.0 slow:-1.5 sluggish:-1.8 laggy:-1.9
        buggy:-2.1 bug:-1.3 bugs:-1.4 crash:-2.1 crashes:-2.2 crashed:-2.2 freezes:-2.0 froze:-1.9 error:-1.4 errors:-1.5
        fail:-2.3 failed:-2.3 fails:-2.3 failure:-2.4 problem:-1.5 problems:-1.6 issue:-1.0 issues:-1.1 trouble:-1.7
        difficult:-1.4 hard:-0.7 confusing:-1.8 confused:-1.4 complicated:-1.3 annoying:-2.1 annoyed:-2.0 frustrating:-2.4
        frustrated:-2.3 angry:-2.6 furious:-3.2 mad:-2.0 upset:-2.1 sad:-2.2 unhappy:-2.3 miserable:-2.9 depressed:-2.6
        unfortunately:-1.6 sadly:-1.7 regret:-2.2 regrets:-2.1 refund:-1.2 return:-0.3 returned:-0.9 waste:-2.5 wasted:-2.5
        overpriced:-2.2 expensive:-1.2 ripoff:-3.0 rip-off:-3.0 scam:-3.2 fraud:-3.2 fake:-2.2 lie:-2.2 lies:-2.3 lied:-2.4
        rude:-2.4 unhelpful:-2.2 incompetent:-2.6 dirty:-1.9 smelly:-2.0 noisy:-1.4 uncomfortable:-1.9 painful:-2.3 pain:-2.0
        hurt:-2.0 damaged:-2.1 damage:-1.9 dead:-2.0 died:-2.1 death:-2.2 killed:-2.8 kill:-2.6 attack:-2.2 attacked:-2.4
        war:-2.4 violence:-2.8 crisis:-2.3 disaster:-3.0 catastrophe:-3.1 danger:-2.2 dangerous:-2.3 risk:-1.2 risky:-1.5
        threat:-2.1 fear:-2.1 afraid:-2.0 scared:-2.1 worried:-1.9 worry:-1.7 concern:-1.1 concerns:-1.2 concerned:-1.3
        loss:-1.9 losses:-2.0 lose:-1.8 lost:-1.6 decline:-1.0 declined:-1.4 drop:-0.8 dropped:-1.2 fell:-0.7 plunge:-2.0
        plunged:-2.1 slump:-1.9 weak:-1.5 weaker:-1.5 negative:-1.9 pessimistic:-2.0 unstable:-1.6 unreliable:-2.2
        unacceptable:-2.7 ridiculous:-2.1 stupid:-2.4 dumb:-2.1 idiot:-2.8 pathetic:-2.7 garbage:-2.8 trash:-2.6 junk:-2.4
        crap:-2.6 sucks:-2.6 suck:-2.4 sucked:-2.5 meh:-0.8 mediocre:-1.3 boring:-1.7 bored:-1.6 dull:-1.5 ugly:-2.3
        disgusting:-3.0 gross:-2.2 nasty:-2.5 toxic:-2.5 evil:-3.0 cruel:-2.9 hostile:-2.3 abuse:-3.0 abusive:-3.0
        delay:-1.1 delayed:-1.4 late:-1.0 missing:-1.3 missed:-1.2 wrong:-1.8 mistake:-1.6 mistakes:-1.7 complaint:-1.7
        complain:-1.6 complained:-1.7 cancel:-1.1 cancelled:-1.3 canceled:-1.3 refused:-1.8 denied:-1.6 ignore:-1.3
        ignored:-1.7 leak:-1.6 leaks:-1.7 leaking:-1.8 stuck:-1.5 overheats:-2.1 overheating:-2.1 cracked:-2.0 scratched:-1.5
        lawsuit:-1.6 sued:-1.6 layoffs:-2.0 fired:-1.6 bankrupt:-2.6 bankruptcy:-2.6 recession:-2.1 inflation:-0.6
        unfair:-2.1 useless:-2.6 worthless:-2.8 hopeless:-2.6 nightmare:-2.9 fiasco:-2.6 mess:-1.8 chaos:-1.9
        sorry:-0.6 apologize:-0.4 cry:-1.7 crying:-1.9 lonely:-2.0 tired:-1.2 exhausted:-1.8 sick:-1.9 ill:-1.5
        """;

    private const string EnglishPhrases = """
        waste of money:-3.2|waste of time:-3.0|not worth:-2.4|stopped working:-2.6|stops working:-2.5|fell apart:-2.7
        falls apart:-2.6|does not work:-2.4|doesn't work:-2.4|didn't work:-2.3|did not work:-2.3|never again:-2.6
        piece of junk:-3.1|piece of crap:-3.2|rip off:-3.0|do not buy:-2.8|don't buy:-2.8|would not recommend:-2.6
        wouldn't recommend:-2.6|highly recommend:3.1|highly recommended:3.1|works great:2.7|works perfectly:3.0
        works well:2.2|well made:2.1|well worth:2.5|worth every penny:3.0|five stars:2.8|5 stars:2.8|one star:-2.6|1 star:-2.6
        love it:3.0|loved it:3.0|can't complain:1.5|cannot complain:1.5|no complaints:2.0|no problems:1.8|no issues:1.8
        not bad:1.2|customer service:0|thumbs up:2.1|thumbs down:-2.1|let down:-2.1|over the moon:3.0|fed up:-2.3
        """;

    private const string Other = """
        bueno:1.9 buena:1.9 excelente:3.2 genial:2.8 increíble:3.0 perfecto:3.0 encanta:3.0 feliz:2.6 gracias:1.8 mejor:1.8
        malo:-2.4 mala:-2.4 terrible:-3.1 horrible:-3.2 pésimo:-3.3 peor:-2.3 odio:-3.1 triste:-2.2 problema:-1.5 roto:-2.2
        bon:1.8 bonne:1.8 excellent:3.2 génial:2.8 parfait:3.0 magnifique:3.1 heureux:2.6 merci:1.8 meilleur:2.0 adore:3.0
        mauvais:-2.4 mauvaise:-2.4 nul:-2.6 nulle:-2.6 affreux:-3.0 déçu:-2.4 triste:-2.2 pire:-2.9 problème:-1.5 cassé:-2.2
        gut:1.8 toll:2.6 super:2.6 wunderbar:3.1 perfekt:3.0 großartig:3.0 glücklich:2.6 danke:1.8 liebe:2.8 besser:1.6
        schlecht:-2.4 schrecklich:-3.1 furchtbar:-3.1 enttäuscht:-2.4 traurig:-2.2 schlimm:-2.3 kaputt:-2.3 ärgerlich:-2.1
        buono:1.9 ottimo:3.0 bellissimo:3.0 perfetto:3.0 grazie:1.8 cattivo:-2.4 pessimo:-3.2 brutto:-2.2 deluso:-2.4
        bom:1.9 ótimo:3.0 maravilhoso:3.1 obrigado:1.8 ruim:-2.4 péssimo:-3.3 horrível:-3.2 decepcionado:-2.4
        """;

    private const string Emoticons = """
        :):1.8 :-):1.8 :D:2.4 :-D:2.4 ;):1.4 <3:2.6 :(:-2.0 :-(:-2.0 :'(:-2.4 >:(:-2.6 😀:2.2 😃:2.2 😄:2.3 😊:2.2 🙂:1.5
        😍:3.0 🥰:3.0 ❤️:2.6 ❤:2.6 👍:2.0 🎉:2.4 🙏:1.5 😂:1.6 👏:2.0 🔥:1.5 💯:2.2 ✅:1.2 😢:-2.2 😭:-2.4 😞:-2.2 😡:-2.8
        😠:-2.6 👎:-2.0 💩:-2.2 🤮:-2.8 😤:-1.8 🙄:-1.4 😒:-1.6 ❌:-1.2
        """;

    public static IReadOnlyDictionary<string, double> Words { get; } = Parse(English + Other, ' ');

    /// <summary>Multi-word entries, keyed by their words joined with one space.</summary>
    public static IReadOnlyDictionary<string, double> Phrases { get; } = ParsePhrases(EnglishPhrases);

    /// <summary>Emoticons and emoji, matched on the raw text.</summary>
    public static IReadOnlyDictionary<string, double> Symbols { get; } = Parse(Emoticons, ' ');

    public static int LongestPhrase { get; } = Phrases.Keys.Max(k => k.Split(' ').Length);

    /// <summary>Phrases by their first word, longest first, so a lookup only tries what can match.</summary>
    public static IReadOnlyDictionary<string, (string[] Words, double Value)[]> PhrasesByFirstWord { get; } = Phrases
        .Select(p => (Words: p.Key.Split(' '), p.Value))
        .GroupBy(p => p.Words[0], StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Words.Length).ToArray(), StringComparer.Ordinal);

    /// <summary>Words that flip the valence of what follows within a few words.</summary>
    public static IReadOnlySet<string> Negators { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "without", "hardly", "barely",
        "scarcely", "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "won't", "wouldn't", "can't",
        "cannot", "couldn't", "shouldn't", "haven't", "hasn't", "hadn't", "ain't", "nope", "lack", "lacks", "lacking",
        "nunca", "jamás", "tampoco", "pas", "jamais", "aucun", "nicht", "kein", "keine", "nie", "niemals", "mai", "nunca", "não",
    };

    /// <summary>Multipliers for the next sentiment word: above 1 intensify, below 1 dampen.</summary>
    public static IReadOnlyDictionary<string, double> Modifiers { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["very"] = 1.3,
        ["really"] = 1.3,
        ["extremely"] = 1.5,
        ["incredibly"] = 1.5,
        ["so"] = 1.25,
        ["too"] = 1.2,
        ["super"] = 1.35,
        ["absolutely"] = 1.45,
        ["totally"] = 1.35,
        ["completely"] = 1.4,
        ["utterly"] = 1.5,
        ["truly"] = 1.3,
        ["highly"] = 1.3,
        ["exceptionally"] = 1.5,
        ["remarkably"] = 1.35,
        ["especially"] = 1.2,
        ["most"] = 1.2,
        ["such"] = 1.2,
        ["quite"] = 1.1,
        ["deeply"] = 1.35,
        ["seriously"] = 1.3,
        ["insanely"] = 1.5,
        ["ridiculously"] = 1.4,
        ["damn"] = 1.3,
        ["slightly"] = 0.5,
        ["somewhat"] = 0.6,
        ["kinda"] = 0.6,
        ["kind of"] = 0.6,
        ["sort of"] = 0.6,
        ["bit"] = 0.6,
        ["little"] = 0.7,
        ["fairly"] = 0.8,
        ["rather"] = 0.85,
        ["marginally"] = 0.5,
        ["partly"] = 0.6,
        ["barely"] = 0.4,
        ["muy"] = 1.3,
        ["très"] = 1.3,
        ["sehr"] = 1.3,
        ["molto"] = 1.3,
        ["muito"] = 1.3,
        ["trop"] = 1.2,
        ["tan"] = 1.2,
    };

    /// <summary>Words after which the rest of the sentence weighs more ("good, but slow").</summary>
    public static IReadOnlySet<string> Contrasts { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "but", "however", "although", "though", "yet", "pero", "mais", "aber", "ma", "mas", "sin embargo", "cependant",
    };

    private static Dictionary<string, double> Parse(string source, char separator)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var entry in source.Split([separator, '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.LastIndexOf(':');
            result[entry[..colon]] = double.Parse(entry[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return result;
    }

    private static Dictionary<string, double> ParsePhrases(string source)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var entry in source.Split(['|', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.LastIndexOf(':');
            result[entry[..colon]] = double.Parse(entry[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return result;
    }
}
