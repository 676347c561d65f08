using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Ai;

// Operations per second of the built-in engine (mindstack-local) on 1 KB inputs, one thread,
// through IAiEngine as modules call it. Usage: dotnet run -c Release --project bench/Ai [-- --seconds N]
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(a => double.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(2.0);

var configuration = new ConfigurationBuilder().Build();
await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddMindstackAi(configuration).BuildServiceProvider();
var ai = services.GetRequiredService<IAiEngine>();
var inputs = Inputs.OneKilobyteTexts();

var operations = new (string Name, Func<string, Task> Run)[]
{
    ("summarize", t => ai.SummarizeAsync(t)),
    ("sentiment", t => ai.SentimentAsync(t)),
    ("embed", t => ai.EmbedAsync([t])),
    ("key_points", t => ai.KeyPointsAsync(t)),
    ("moderate", t => ai.ModerateAsync(t)),
    ("extract_entities", t => ai.ExtractEntitiesAsync(t)),
};

Console.WriteLine($"mindstack-local engine, {inputs.Count} distinct inputs of {inputs[0].Length} chars, {seconds:0.#} s per operation, 1 thread");
Console.WriteLine($"{"operation",-18} {"ops/s",10} {"µs/op",10}");
foreach (var (name, run) in operations)
{
    // Warm-up: JIT, regex construction, lexicon loading.
    for (var i = 0; i < 50; i++)
    {
        await run(inputs[i % inputs.Count]);
    }
    var count = 0;
    var watch = Stopwatch.StartNew();
    while (watch.Elapsed.TotalSeconds < seconds)
    {
        await run(inputs[count % inputs.Count]);
        count++;
    }
    watch.Stop();
    var perSecond = count / watch.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-18} {perSecond,10:0} {1_000_000 / perSecond,10:0.0}"));
}

internal static class Inputs
{
    private const string Source = """
        The European Central Bank raised its key interest rate by a quarter point on Thursday, its tenth increase in a row, as
        inflation across the eurozone stayed well above its 2% target. ECB President Christine Lagarde said in Frankfurt that
        borrowing costs would remain high for as long as necessary. Inflation in the 20 countries that use the euro fell to 5.3%
        in August, down from a peak of 10.6% last October. I bought these headphones for my daily commute and I absolutely love
        them! The noise cancelling is excellent and the battery easily lasts a week. My only complaint is that the case feels a
        bit flimsy. Sarah reported that the mobile release is blocked by a crash on Android 14 login. Tom will fix the login
        crash by Friday and ship a hotfix build. We decided to postpone the pricing page redesign to Q3 because the budget is
        $20,000 short. Priya will send the survey results to priya@example.com before the next sync. Markets reacted calmly:
        the euro slipped 0.4% against the dollar and European stocks rose slightly. The decision lifts the deposit rate to 4%.
        """;

    /// <summary>Eight different 1,024-character texts (rotations of the source's sentences).</summary>
    public static List<string> OneKilobyteTexts()
    {
        var sentences = Source.ReplaceLineEndings(" ").Split(". ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var texts = new List<string>();
        for (var shift = 0; shift < 8; shift++)
        {
            var text = string.Join(". ", sentences.Skip(shift).Concat(sentences.Take(shift)).Concat(sentences));
            texts.Add(text[..1024]);
        }
        return texts;
    }
}
