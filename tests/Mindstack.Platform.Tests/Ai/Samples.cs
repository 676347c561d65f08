namespace Mindstack.Platform.Tests.Ai;

/// <summary>Realistic inputs the AI tests assert on.</summary>
internal static class Samples
{
    public const string News = """
        The European Central Bank raised its key interest rate by a quarter point on Thursday, its tenth increase in a row, as inflation across the eurozone stayed well above its 2% target. ECB President Christine Lagarde said in Frankfurt that borrowing costs would remain high "for as long as necessary". Inflation in the 20 countries that use the euro fell to 5.3% in August, down from a peak of 10.6% last October. Economists at Deutsche Bank had expected the bank to pause. Markets reacted calmly: the euro slipped 0.4% against the dollar and European stocks rose slightly. The decision lifts the deposit rate to 4%, the highest since the currency was launched in 1999.
        """;

    public const string Review =
        "I bought these headphones for my daily commute and I absolutely love them! The noise cancelling is excellent and the battery easily lasts a week. "
        + "The ear cushions are very comfortable, even on long flights. My only complaint is that the case feels a bit flimsy. "
        + "Still, for $149 they are well worth it and I would highly recommend them.";

    public const string NegativeReview =
        "The blender stopped working after two weeks. The motor overheats, the lid leaks and customer support never answered my emails. "
        + "Not worth the money at all; I would not recommend it.";

    public const string MixedReview =
        "The camera is fantastic and the screen is gorgeous. But the battery is terrible and the software is buggy and slow.";

    public const string Toxic = "You are a worthless idiot and nobody likes you. Shut up and get lost, or I will find you.";

    public const string Threat = "If you show up at the office again I will kill you.";

    public const string SelfHarm = "I can't do this anymore. Some nights I just want to end my life.";

    public const string Spam = "CLICK HERE to claim your prize!!! Free bitcoin for the first 100 people, limited time only: www.free-btc-now.xyz";

    public const string Hateful = "Immigrants are vermin and they should be deported, all of them.";

    public const string MeetingNote = """
        Weekly product sync — March 4, 2024
        Attendees: Sarah Chen, Tom Alvarez, Priya Patel
        - Sarah reported that the mobile release is blocked by a crash on Android 14 login.
        - Tom will fix the login crash by Friday and ship a hotfix build.
        - We decided to postpone the pricing page redesign to Q3 because the budget is $20,000 short.
        - Priya will send the customer survey results to the team at priya@example.com before the next sync.
        - Next meeting: Monday at 10:30am on https://meet.example.com/sync.
        """;

    public const string Goal = "Research the top three competitors' pricing and write a blog post comparing them by Friday";

    public const string SpanishNews =
        "El Banco Central Europeo subió los tipos de interés por décima vez consecutiva. La inflación en la eurozona sigue por encima del objetivo del 2%. "
        + "Christine Lagarde dijo que los costes de financiación seguirán altos. Los mercados reaccionaron con calma y el euro bajó ligeramente frente al dólar.";

    public const string ModelWritten =
        "In today's fast-paced digital landscape, it is important to note that effective communication plays a crucial role in fostering collaboration. "
        + "Furthermore, organizations must leverage robust tools to navigate the complexities of remote work. Moreover, a comprehensive strategy ensures "
        + "that teams remain aligned and productive. Additionally, leaders should embrace innovative solutions to unlock their full potential. In conclusion, "
        + "by prioritizing seamless communication, businesses can elevate their performance and thrive in an ever-evolving environment.";

    public const string HumanPost =
        "ok so i finally tried that new ramen place downtown lol. honestly? kinda overrated. the broth was way too salty and we waited like 40 min "
        + "for a table. my buddy loved his spicy miso tho, so maybe i just ordered wrong. gonna give it one more shot next month, but i'm not holding my breath.";

    /// <summary>About 1 KB of ordinary prose (for the benchmark's input size and long-text checks).</summary>
    public static string OneKilobyte => string.Concat(Enumerable.Repeat(News.Trim() + " " + Review + " ", 2))[..1024];
}
