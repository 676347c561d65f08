using System.Text.Json;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Tests.Ai;

/// <summary>The built-in engine on realistic inputs: useful, stable results, honestly labelled.</summary>
public sealed class LocalEngineTests : IDisposable
{
    private readonly AiServices _services = new();

    private IAiEngine Ai => _services.Engine;

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Summarize_NewsParagraph_KeepsTheLeadInReadingOrder()
    {
        var result = await Ai.SummarizeAsync(Samples.News, maxSentences: 2);

        var summary = result.Value;
        Assert.Equal("en", summary.Language);
        Assert.Equal(6, summary.SourceSentences);
        Assert.Equal(2, summary.SentenceIndexes.Count);
        Assert.Equal(0, summary.SentenceIndexes[0]);
        Assert.StartsWith("The European Central Bank raised its key interest rate", summary.Text);
        Assert.True(summary.SentenceIndexes.SequenceEqual(summary.SentenceIndexes.Order()));
        Assert.True(summary.Text.Length < Samples.News.Length / 2);
    }

    [Fact]
    public async Task Summarize_SameInputTwice_SameOutput()
    {
        var first = await Ai.SummarizeAsync(Samples.News);
        var second = await Ai.SummarizeAsync(Samples.News);

        Assert.Equal(first.Value.Text, second.Value.Text);
        Assert.Equal(first.Value.SentenceIndexes, second.Value.SentenceIndexes);
    }

    [Fact]
    public async Task Summarize_SpanishText_StaysInSpanish()
    {
        var summary = (await Ai.SummarizeAsync(Samples.SpanishNews, maxSentences: 2)).Value;

        Assert.Equal("es", summary.Language);
        Assert.StartsWith("El Banco Central Europeo subió", summary.Text);
        Assert.Contains("inflación", summary.Text + " " + Samples.SpanishNews);
    }

    [Fact]
    public async Task Summarize_OneSentence_ReturnsItUnchanged()
    {
        var summary = (await Ai.SummarizeAsync("Deploys are frozen until the audit ends.")).Value;

        Assert.Equal("Deploys are frozen until the audit ends.", summary.Text);
        Assert.Equal([0], summary.SentenceIndexes);
    }

    [Fact]
    public async Task KeyPoints_MeetingNote_ListsTheDecisionAndTheActions()
    {
        var points = (await Ai.KeyPointsAsync(Samples.MeetingNote, maxPoints: 4)).Value;

        Assert.Equal(4, points.Points.Count);
        Assert.Contains(points.Points, p => p.StartsWith("We decided to postpone the pricing page redesign", StringComparison.Ordinal));
        Assert.Contains(points.Points, p => p.StartsWith("Tom will fix the login crash by Friday", StringComparison.Ordinal));
        Assert.DoesNotContain(points.Points, p => p.StartsWith("Weekly product sync", StringComparison.Ordinal));
        Assert.Contains("pricing page redesign", points.Keywords);
        Assert.Contains("customer survey results", points.Keywords);
        Assert.DoesNotContain(points.Keywords, k => k.Contains("example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sentiment_ProductReview_PositiveDespiteOneComplaint()
    {
        var sentiment = (await Ai.SentimentAsync(Samples.Review)).Value;

        Assert.Equal(AiSentiment.PositiveLabel, sentiment.Label);
        Assert.InRange(sentiment.Score, 0.5, 1);
        Assert.InRange(sentiment.Confidence, 0.7, 1);
        Assert.Equal(5, sentiment.Sentences.Count);
        // The one complaint is found as such.
        Assert.True(sentiment.Sentences.Single(s => s.Text.StartsWith("My only complaint", StringComparison.Ordinal)).Score < 0);
        Assert.Equal(1, sentiment.Positive + sentiment.Negative + sentiment.Neutral, 3);
    }

    [Fact]
    public async Task Sentiment_NegativeReview_Negative()
    {
        var sentiment = (await Ai.SentimentAsync(Samples.NegativeReview)).Value;

        Assert.Equal(AiSentiment.NegativeLabel, sentiment.Label);
        Assert.InRange(sentiment.Score, -1, -0.5);
    }

    [Theory]
    [InlineData("The food was good.", AiSentiment.PositiveLabel)]
    [InlineData("The food was not good.", AiSentiment.NegativeLabel)]
    [InlineData("The food was not bad at all.", AiSentiment.PositiveLabel)]
    [InlineData("The food was never great.", AiSentiment.NegativeLabel)]
    [InlineData("The meeting is at 3pm in room 4.", AiSentiment.NeutralLabel)]
    public async Task Sentiment_Negation_FlipsPolarity(string text, string label)
    {
        Assert.Equal(label, (await Ai.SentimentAsync(text)).Value.Label);
    }

    [Fact]
    public async Task Sentiment_Intensifier_ScoresHigherThanPlain()
    {
        var plain = (await Ai.SentimentAsync("The hotel was good.")).Value.Score;
        var intense = (await Ai.SentimentAsync("The hotel was extremely good.")).Value.Score;
        var damped = (await Ai.SentimentAsync("The hotel was slightly good.")).Value.Score;

        Assert.True(intense > plain);
        Assert.True(damped < plain);
        Assert.True(damped > 0);
    }

    [Fact]
    public async Task Sentiment_MixedReview_Mixed()
    {
        var sentiment = (await Ai.SentimentAsync(Samples.MixedReview)).Value;

        Assert.Equal(AiSentiment.MixedLabel, sentiment.Label);
        Assert.True(sentiment.Positive > 0.2 && sentiment.Negative > 0.2);
    }

    [Fact]
    public async Task Sentiment_NewsReport_NotPositiveAndModerate()
    {
        var sentiment = (await Ai.SentimentAsync(Samples.News)).Value;

        Assert.NotEqual(AiSentiment.PositiveLabel, sentiment.Label);
        Assert.InRange(sentiment.Score, -0.5, 0.2);
        Assert.True(sentiment.Neutral > 0.8);
    }

    [Fact]
    public async Task Classify_SupportTicket_Billing()
    {
        var result = (await Ai.ClassifyAsync("I was charged twice for my subscription this month, please refund the extra payment.",
            AiLabel.Of("billing", "technical", "shipping", "account"))).Value;

        Assert.Equal("billing", result.Label);
        Assert.True(result.Confidence > 0.6);
        Assert.Equal(4, result.Scores.Count);
        Assert.Equal("billing", result.Scores[0].Label);
        Assert.Equal(1, result.Scores.Sum(s => s.Score), 2);
    }

    [Fact]
    public async Task Classify_LabelsWithDescriptions_UsesTheDescriptions()
    {
        var labels = new[]
        {
            new AiLabel("alpha", "problems with deliveries, parcels, couriers and tracking numbers"),
            new AiLabel("beta", "questions about invoices, charges and refunds"),
        };

        var result = (await Ai.ClassifyAsync("My parcel never arrived and the tracking number shows nothing.", labels)).Value;

        Assert.Equal("alpha", result.Label);
    }

    [Theory]
    [InlineData("Find out what the top competitors charge for their enterprise plans", AiIntents.Research)]
    [InlineData("Draft a newsletter announcing the spring release", AiIntents.Write)]
    [InlineData("Book a meeting with the design team next Tuesday afternoon", AiIntents.Schedule)]
    [InlineData("Give me a recap of yesterday's incident thread", AiIntents.Summarize)]
    [InlineData("Fix the bug in the payment API and deploy the patch", AiIntents.Code)]
    [InlineData("Analyze last quarter's churn metrics and find trends", AiIntents.Analyze)]
    public async Task Classify_GoalTexts_IntentOfTheGoal(string goal, string intent)
    {
        Assert.Equal(intent, (await Ai.ClassifyAsync(goal, AiIntents.Labels)).Value.Label);
    }

    [Fact]
    public async Task Classify_NoLabels_ValidationProblem()
    {
        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.ClassifyAsync("text", []));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
    }

    [Fact]
    public async Task ExtractEntities_NewsParagraph_PeopleOrganizationsPlacesAndFigures()
    {
        var entities = (await Ai.ExtractEntitiesAsync(Samples.News)).Value;

        Assert.Contains(entities.Items, e => e is { Text: "European Central Bank", Type: AiEntityTypes.Organization });
        Assert.Contains(entities.Items, e => e is { Text: "Christine Lagarde", Type: AiEntityTypes.Person });
        Assert.Contains(entities.Items, e => e is { Text: "Frankfurt", Type: AiEntityTypes.Location });
        Assert.Contains(entities.Items, e => e is { Text: "Deutsche Bank", Type: AiEntityTypes.Organization });
        Assert.Contains(entities.Items, e => e is { Text: "5.3%", Type: AiEntityTypes.Percent, Normalized: "5.3%" });
        Assert.Contains(entities.Items, e => e is { Text: "Thursday", Type: AiEntityTypes.Date });
        Assert.DoesNotContain(entities.Items, e => e.Text == "The" || e.Text == "Markets" || e.Text == "European");
        foreach (var entity in entities.Items)
        {
            Assert.Equal(entity.Text, Samples.News.Substring(entity.Start, entity.Length));
        }
        Assert.True(entities.Items.Select(e => e.Start).SequenceEqual(entities.Items.Select(e => e.Start).Order()));
    }

    [Fact]
    public async Task ExtractEntities_MeetingNote_ContactsDatesTimesAndMoney()
    {
        var entities = (await Ai.ExtractEntitiesAsync(Samples.MeetingNote)).Value;

        Assert.Contains(entities.Items, e => e is { Type: AiEntityTypes.Date, Text: "March 4, 2024", Normalized: "2024-03-04" });
        Assert.Contains(entities.Items, e => e is { Type: AiEntityTypes.Email, Normalized: "priya@example.com" });
        Assert.Contains(entities.Items, e => e is { Type: AiEntityTypes.Url, Text: "https://meet.example.com/sync" });
        Assert.Contains(entities.Items, e => e is { Type: AiEntityTypes.Money, Text: "$20,000", Normalized: "USD 20000" });
        Assert.Contains(entities.Items, e => e is { Type: AiEntityTypes.Time, Normalized: "10:30" });
        Assert.Equal(["Sarah Chen", "Tom Alvarez", "Priya Patel"],
            entities.OfType(AiEntityTypes.Person).Where(e => e.Text.Contains(' ', StringComparison.Ordinal)).Select(e => e.Text));
    }

    [Theory]
    [InlineData("The deal is worth $1.2 million.", "USD 1200000")]
    [InlineData("Tickets cost €30 each.", "EUR 30")]
    [InlineData("They paid 2,500 dollars for it.", "USD 2500")]
    public async Task ExtractEntities_Money_NormalizedToCurrencyAndAmount(string text, string normalized)
    {
        var money = (await Ai.ExtractEntitiesAsync(text)).Value.OfType(AiEntityTypes.Money).Single();
        Assert.Equal(normalized, money.Normalized);
    }

    [Fact]
    public async Task Moderate_ToxicMessage_FlagsHarassmentOnly()
    {
        var moderation = (await Ai.ModerateAsync(Samples.Toxic)).Value;

        Assert.True(moderation.Flagged);
        Assert.Equal(["harassment"], moderation.FlaggedCategories);
        Assert.True(moderation.Categories["harassment"] > 0.9);
        Assert.Contains(moderation.Matches, m => m.Term == "nobody likes you");
        Assert.Equal(AiModeration.CategoryNames.Order(), moderation.Categories.Keys.Order());
    }

    [Theory]
    [InlineData(Samples.Threat, "violence")]
    [InlineData(Samples.SelfHarm, "self-harm")]
    [InlineData(Samples.Spam, "spam")]
    [InlineData(Samples.Hateful, "hate")]
    [InlineData("you are such a s.t.u.p.i.d l0s3r", "harassment")]
    public async Task Moderate_HarmfulText_FlagsItsCategory(string text, string category)
    {
        var moderation = (await Ai.ModerateAsync(text)).Value;

        Assert.Contains(category, moderation.FlaggedCategories);
    }

    [Theory]
    [InlineData(Samples.Review)]
    [InlineData(Samples.News)]
    [InlineData(Samples.MeetingNote)]
    [InlineData("Please kill the stuck process and restart the build.")]
    [InlineData("I would never hurt anyone.")]
    public async Task Moderate_OrdinaryText_NotFlagged(string text)
    {
        var moderation = (await Ai.ModerateAsync(text)).Value;

        Assert.False(moderation.Flagged, string.Join(", ", moderation.Matches.Select(m => $"{m.Category}:{m.Term}")));
    }

    [Fact]
    public async Task DetectGenerated_ModelStyleEssay_AiGenerated()
    {
        var verdict = (await Ai.DetectGeneratedAsync(Samples.ModelWritten)).Value;

        Assert.Equal(AiGeneratedTextVerdict.AiGenerated, verdict.Verdict);
        Assert.InRange(verdict.Confidence, 0.8, 1);
        Assert.True(verdict.Features["model_phrases_per_100_words"] > 5);
    }

    [Fact]
    public async Task DetectGenerated_CasualPost_Human()
    {
        var verdict = (await Ai.DetectGeneratedAsync(Samples.HumanPost)).Value;

        Assert.Equal(AiGeneratedTextVerdict.Human, verdict.Verdict);
        Assert.True(verdict.Probability < 0.3);
    }

    [Fact]
    public async Task DetectGenerated_ShortText_Uncertain()
    {
        var verdict = (await Ai.DetectGeneratedAsync("Moreover, it is important to note this.")).Value;

        Assert.Equal(AiGeneratedTextVerdict.Uncertain, verdict.Verdict);
    }

    [Fact]
    public async Task DetectGenerated_NewsReport_NotCalledGenerated()
    {
        var verdict = (await Ai.DetectGeneratedAsync(Samples.News)).Value;

        Assert.NotEqual(AiGeneratedTextVerdict.AiGenerated, verdict.Verdict);
    }

    [Fact]
    public async Task Plan_GoalText_ResearchThenWriteWithDependenciesAndDeadline()
    {
        var plan = (await Ai.PlanAsync(Samples.Goal)).Value;

        Assert.Equal(AiIntents.Research, plan.Intent);
        Assert.Equal([AiIntents.Research, AiIntents.Write], plan.Intents);
        Assert.Equal("t1", plan.Tasks[0].Id);
        Assert.Empty(plan.Tasks[0].DependsOn);
        Assert.Contains("competitors' pricing", plan.Tasks[1].Title);
        var firstWrite = plan.Tasks.First(t => t.Intent == AiIntents.Write);
        var lastResearch = plan.Tasks.Last(t => t.Intent == AiIntents.Research);
        Assert.Equal([lastResearch.Id], firstWrite.DependsOn);
        Assert.All(plan.Tasks, t => Assert.True(t.EstimateMinutes >= 5));
        Assert.Equal(plan.Tasks.Sum(t => t.EstimateMinutes), plan.TotalEstimateMinutes);
        Assert.Equal(plan.TotalEstimateMinutes, plan.CriticalPathMinutes);
        Assert.Contains(plan.Constraints, c => c is { Kind: "deadline", Text: "by Friday" });
        Assert.EndsWith("Due: by Friday.", plan.Tasks[^1].Description);
    }

    [Fact]
    public async Task Plan_CodeGoal_ParallelTestsShortenTheCriticalPath()
    {
        var plan = (await Ai.PlanAsync("Build a CSV export for the reports page", ["no more than 2 days of work", "budget under $500"])).Value;

        Assert.Equal(AiIntents.Code, plan.Intent);
        var review = plan.Tasks.Single(t => t.Title == "Review and merge");
        Assert.Equal(2, review.DependsOn.Count);
        Assert.True(plan.CriticalPathMinutes < plan.TotalEstimateMinutes);
        Assert.Contains(plan.Constraints, c => c.Kind == "limit");
        Assert.Contains(plan.Constraints, c => c.Kind == "budget");
    }

    [Fact]
    public async Task Plan_QuickVersusDetailed_EstimatesScale()
    {
        var quick = (await Ai.PlanAsync("Write a quick summary post about the release")).Value.TotalEstimateMinutes;
        var detailed = (await Ai.PlanAsync("Write a detailed post about the release")).Value.TotalEstimateMinutes;

        Assert.True(detailed > quick * 1.5);
    }

    [Fact]
    public async Task Embed_RelatedTexts_CloserThanUnrelated()
    {
        var result = await Ai.EmbedAsync(["How do I reset my password?", "I forgot my password and cannot log in", "The weather in Paris is sunny today"]);
        var v = result.Value.Vectors;

        Assert.Equal(384, result.Value.Dimensions);
        Assert.All(v, vector => Assert.Equal(1, Math.Sqrt(vector.Sum(x => (double)x * x)), 3));
        Assert.True(AiVectors.Cosine(v[0], v[1]) > 0.4);
        Assert.True(AiVectors.Cosine(v[0], v[1]) > AiVectors.Cosine(v[0], v[2]) + 0.3);
    }

    [Fact]
    public async Task Embed_TextLongerThanTheModelReads_OneUnitVector()
    {
        var text = string.Join(' ', Enumerable.Repeat(Samples.OneKilobyte, 40));

        var vector = Assert.Single((await Ai.EmbedAsync([text, ""])).Value.Vectors.Take(1));

        Assert.Equal(384, vector.Length);
        Assert.Equal(1, Math.Sqrt(vector.Sum(x => (double)x * x)), 3);
    }

    [Fact]
    public async Task Embed_SameText_SameVector()
    {
        var first = (await Ai.EmbedAsync([Samples.Review])).Value.Vectors[0];
        var second = (await Ai.EmbedAsync([Samples.Review])).Value.Vectors[0];

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task HybridRank_MemorySearch_BestDocumentFirst()
    {
        string[] texts =
        [
            "Quarterly revenue grew 12% thanks to enterprise renewals.",
            "The password reset email is sent from no-reply@example.com and expires after one hour.",
            "Team lunch is on Friday at the Italian place.",
        ];
        var vectors = (await Ai.EmbedAsync([.. texts, "how long is the reset link valid"])).Value.Vectors;
        var documents = texts.Select((t, i) => new AiSearchDocument($"d{i}", t, vectors[i])).ToList();

        var hits = AiVectors.HybridRank("how long is the reset link valid", documents, vectors[3]);

        Assert.Equal("d1", hits[0].Id);
        Assert.True(hits[0].Score > hits[1].Score);
    }

    [Fact]
    public async Task Complete_SummaryRequest_LabelledSummaryFromTheEngine()
    {
        var result = await Ai.CompleteAsync([AiMessage.User("Summarize this: " + Samples.News)]);

        Assert.StartsWith("Summary: The European Central Bank raised", result.Value.Text);
        Assert.EndsWith("mindstack-local (offline analysis, no language model)", result.Value.Text);
        Assert.Equal("stop", result.Value.FinishReason);
    }

    [Fact]
    public async Task Complete_QuestionAboutEarlierMessage_AnswersFromTheConversation()
    {
        var result = await Ai.CompleteAsync(
        [
            AiMessage.User(Samples.MeetingNote),
            AiMessage.Assistant("Noted."),
            AiMessage.User("Who will fix the login crash?"),
        ]);

        Assert.Contains("Tom will fix the login crash by Friday", result.Value.Text);
    }

    [Fact]
    public async Task Complete_OpenQuestion_DeclinesHonestly()
    {
        var result = await Ai.CompleteAsync([AiMessage.User("What is the capital of Australia?")]);

        Assert.Contains("cannot answer that offline", result.Value.Text);
        Assert.DoesNotContain("Canberra", result.Value.Text);
    }

    [Fact]
    public async Task Complete_PlanRequest_NumberedTasksWithEstimates()
    {
        var text = (await Ai.CompleteAsync([AiMessage.User("Plan a team offsite in Lisbon for 12 people in June under $15,000")])).Value.Text;

        Assert.StartsWith("A plan (plan)", text);
        Assert.Contains("1. Define objectives and success criteria (~", text);
        Assert.Contains("Constraint (budget): under $15,000", text);
    }

    [Fact]
    public async Task Stream_LocalEngine_ChunksReassembleToTheCompletion()
    {
        AiMessage[] messages = [AiMessage.User(Samples.Review)];
        var whole = (await Ai.CompleteAsync(messages)).Value.Text;
        var chunks = new List<AiStreamEvent>();
        await foreach (var chunk in Ai.StreamAsync(messages))
        {
            chunks.Add(chunk);
        }

        Assert.True(chunks.Count > 3);
        Assert.Equal(whole, string.Concat(chunks.Select(c => c.Delta)));
        Assert.All(chunks.SkipLast(1), c => Assert.Null(c.Usage));
        Assert.True(chunks[^1].IsFinal);
        Assert.Equal(AiProviders.Local, chunks[^1].Usage!.Provider);
    }

    public sealed record ReviewAnalysis(string Summary, ReviewMood Sentiment, int Rating, List<string> Pros, List<string> Cons, List<string> Keywords, bool Flagged);

    public enum ReviewMood
    {
        Positive,
        Negative,
        Neutral,
        Mixed,
    }

    [Fact]
    public async Task Structured_ReviewSchema_FilledFromTheAnalyses()
    {
        var result = await Ai.StructuredAsync<ReviewAnalysis>([AiMessage.System("Analyze the review."), AiMessage.User(Samples.Review)]);

        var analysis = result.Value;
        Assert.StartsWith("I bought these headphones", analysis.Summary);
        Assert.Equal(ReviewMood.Positive, analysis.Sentiment);
        Assert.InRange(analysis.Rating, 4, 5);
        Assert.Contains(analysis.Pros, p => p.Contains("noise cancelling is excellent", StringComparison.Ordinal));
        Assert.Equal(["My only complaint is that the case feels a bit flimsy."], analysis.Cons);
        Assert.Contains("noise cancelling", analysis.Keywords);
        Assert.False(analysis.Flagged);
        Assert.Equal(AiOperation.Structured, result.Usage.Operation);
    }

    [Fact]
    public async Task Structured_ExplicitSchemaWithBounds_ValidOutput()
    {
        using var schema = JsonDocument.Parse("""
            {"type":"object","properties":{
              "title":{"type":"string","maxLength":40},
              "people":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"type":{"type":"string"}},"required":["name","type"]}},
              "tasks":{"type":"array","maxItems":3,"items":{"type":"string"}},
              "urgency":{"type":"string","enum":["low","medium","high"]},
              "confidence":{"type":"number","minimum":0,"maximum":1}},
             "required":["title","people","tasks","urgency","confidence"]}
            """);

        var result = await Ai.StructuredAsync([AiMessage.User(Samples.MeetingNote)], schema.RootElement, "meeting");

        var value = result.Value;
        Assert.True(value.GetProperty("title").GetString()!.Length <= 40);
        Assert.Contains(value.GetProperty("people").EnumerateArray(), p => p.GetProperty("name").GetString() == "Sarah Chen" && p.GetProperty("type").GetString() == "person");
        Assert.InRange(value.GetProperty("tasks").GetArrayLength(), 1, 3);
        Assert.Contains(value.GetProperty("urgency").GetString(), new[] { "low", "medium", "high" });
        Assert.InRange(value.GetProperty("confidence").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task Structured_UnsatisfiableSchema_UnavailableProblem()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]{3}-\\d{4}$"}},"required":["code"]}""");

        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.StructuredAsync([AiMessage.User(Samples.Review)], schema.RootElement, "ticket"));

        Assert.Equal(ProblemKind.Unavailable, problem.Kind);
    }

    [Fact]
    public async Task Translate_LocalEngine_RefusesWithUnavailableProblem()
    {
        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.TranslateAsync(Samples.Review, "fr"));

        Assert.Equal(ProblemKind.Unavailable, problem.Kind);
        var details = Assert.IsType<AiProblemDetails>(problem.Details);
        Assert.Equal(AiProblems.TranslationUnavailableReason, details.Reason);
        Assert.Equal(AiProviders.Local, details.Provider);
    }

    [Fact]
    public async Task Usage_EveryLocalOperation_ProviderModelAndTokens()
    {
        var usages = new List<AiUsage>
        {
            (await Ai.CompleteAsync([AiMessage.User(Samples.Review)])).Usage,
            (await Ai.SummarizeAsync(Samples.News)).Usage,
            (await Ai.KeyPointsAsync(Samples.MeetingNote)).Usage,
            (await Ai.SentimentAsync(Samples.Review)).Usage,
            (await Ai.ClassifyAsync(Samples.Review, AiLabel.Of("a", "b"))).Usage,
            (await Ai.ExtractEntitiesAsync(Samples.News)).Usage,
            (await Ai.ModerateAsync(Samples.Toxic)).Usage,
            (await Ai.DetectGeneratedAsync(Samples.News)).Usage,
            (await Ai.PlanAsync(Samples.Goal)).Usage,
            (await Ai.EmbedAsync([Samples.Review])).Usage,
        };

        Assert.All(usages, u =>
        {
            Assert.Equal(AiProviders.Local, u.Provider);
            Assert.False(string.IsNullOrEmpty(u.Model));
            Assert.True(u.InputTokens > 0);
            Assert.True(u.Estimated);
            Assert.True(u.Latency >= TimeSpan.Zero);
        });
        Assert.Equal(10, usages.Select(u => u.Operation).Distinct().Count());
        Assert.True(usages[1].OutputTokens > 0);
    }

    [Fact]
    public async Task OneKilobyteInput_EveryOperation_Completes()
    {
        var text = Samples.OneKilobyte;

        Assert.NotEmpty((await Ai.SummarizeAsync(text)).Value.Text);
        Assert.NotEmpty((await Ai.KeyPointsAsync(text)).Value.Points);
        Assert.NotNull((await Ai.SentimentAsync(text)).Value.Label);
        Assert.Single((await Ai.EmbedAsync([text])).Value.Vectors);
    }
}
