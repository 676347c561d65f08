using System.Globalization;
using System.Text.Json.Nodes;
using Mindstack.Platform.Ai;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>What one stage concluded: its confidence (0–1) and a note for the analysis history.</summary>
internal sealed record StageOutcome(string Stage, double Confidence, string Notes);

/// <summary>The analysis as it builds up over the three stages.</summary>
internal sealed class SessionReading
{
    public List<string> Keywords { get; } = [];
    public List<string> Points { get; } = [];
    public List<Place> Places { get; } = [];
    public List<string> Locations { get; } = [];
    public List<string> Dates { get; } = [];
    public List<(string Type, string Description, double Confidence)> Findings { get; } = [];
    public string Summary { get; set; } = "";
    public string Category { get; set; } = "";
    public double CategoryConfidence { get; set; }
    public List<string> Recommendations { get; } = [];
    public long DataPoints { get; set; }
    public string Engine { get; set; } = "";
}

/// <summary>
/// Produces a session's analysis with the platform AI engine, one stage at a time:
/// <c>initial_processing</c> reads the cue (entities, key points, keywords, named places),
/// <c>deep_analysis</c> classifies what the cue asks about and writes the findings and summary,
/// <c>final_validation</c> plans the follow-up (recommendations) and scores the result.
/// Confidences come from the engine's own scores and how much the cue gave it to work with;
/// <c>data_points_analyzed</c> counts the tokens the engine processed.
/// </summary>
internal sealed class SessionAnalyzer(IAiEngine ai)
{
    /// <summary>What a cue can be about; the engine picks among them (the labels are finding types).</summary>
    private static readonly IReadOnlyList<AiLabel> Subjects =
    [
        new("location", "where something or someone is: a place, position, site or area"),
        new("object", "a thing, vehicle, aircraft, item, device or structure"),
        new("person", "a person, people, a missing individual or a group"),
        new("event", "something that happened or will happen, an outcome, a future development or a prediction"),
        new("condition", "the state, health, condition or situation of something"),
    ];

    public async Task<StageOutcome> InitialAsync(PeekSession session, SessionReading reading, CancellationToken cancellationToken)
    {
        var entities = await ai.ExtractEntitiesAsync(session.Cue, cancellationToken: cancellationToken);
        var keyPoints = await ai.KeyPointsAsync(session.Cue, 5, cancellationToken: cancellationToken);
        Count(reading, entities.Usage);
        Count(reading, keyPoints.Usage);
        reading.Keywords.AddRange(keyPoints.Value.Keywords.Take(8));
        reading.Points.AddRange(keyPoints.Value.Points);
        reading.Locations.AddRange(entities.Value.OfType(AiEntityTypes.Location).Select(e => e.Normalized ?? e.Text).Distinct());
        reading.Dates.AddRange(entities.Value.Items.Where(e => e.Type is AiEntityTypes.Date or AiEntityTypes.Time)
            .Select(e => e.Normalized ?? e.Text).Distinct());
        reading.Places.AddRange(Places.Find(session.Cue, reading.Locations));

        // The more the cue gives to work with (keywords, named places), the surer the first reading.
        var confidence = Math.Clamp(0.3 + (0.04 * reading.Keywords.Count) + (reading.Places.Count > 0 ? 0.1 : 0), 0.3, 0.6);
        var notes = $"Initial cue analysis and pattern recognition: {reading.Keywords.Count} keywords"
            + (reading.Keywords.Count > 0 ? $" ({string.Join(", ", reading.Keywords.Take(5))})" : "")
            + (reading.Places.Count > 0 ? $"; places named: {string.Join(", ", reading.Places.Select(p => p.Name))}" : "; no known place named");
        return new StageOutcome(Stages.InitialProcessing, Round(confidence), notes);
    }

    public async Task<StageOutcome> DeepAsync(PeekSession session, StoredParameters parameters, SessionReading reading, double previous,
        CancellationToken cancellationToken)
    {
        var subject = await ai.ClassifyAsync(session.Cue, Subjects, cancellationToken: cancellationToken);
        Count(reading, subject.Usage);
        reading.Category = subject.Value.Label;
        reading.CategoryConfidence = subject.Value.Confidence;

        var scores = subject.Value.Scores.ToDictionary(s => s.Label, s => s.Score);
        double Score(string label) => Math.Clamp(0.55 + (0.4 * scores.GetValueOrDefault(label)), 0.5, 0.95);
        if (reading.Places.FirstOrDefault() is { } place)
        {
            reading.Findings.Add(("location", $"In the area of {place.Name}" + (reading.Places.Count > 1
                ? $" (also named: {string.Join(", ", reading.Places.Skip(1).Select(p => p.Name))})" : ""), Round(Score("location") + 0.05)));
        }
        foreach (var point in reading.Points.Take(3))
        {
            reading.Findings.Add((reading.Category, point, Round(Score(reading.Category))));
        }
        if (reading.Keywords.Count > 0)
        {
            var second = subject.Value.Scores.Where(s => s.Label != reading.Category).OrderByDescending(s => s.Score).First();
            reading.Findings.Add((second.Label, $"Related impressions: {string.Join(", ", reading.Keywords.Take(5))}", Round(Score(second.Label) - 0.05)));
        }

        // The reading in sentences (not the cue again), for the engine to summarize.
        var sentences = new List<string>
        {
            $"The {TypeTitle(session.SessionType).ToLowerInvariant()} session reads the cue as a question of {reading.Category}"
                + (reading.Keywords.Count > 0 ? $", centred on {string.Join(", ", reading.Keywords.Take(3))}." : "."),
        };
        if (reading.Places.FirstOrDefault() is { } named)
        {
            sentences.Add($"The strongest impressions point to the {named.Name} area, around {Coordinate(named.Latitude)}, "
                + $"{Coordinate(named.Longitude)}, within about {named.RadiusKm} km.");
            sentences.Add($"The surroundings appear as {named.Terrain.ToLowerInvariant()}.");
        }
        if (reading.Dates.Count > 0)
        {
            sentences.Add($"The time references are {string.Join(", ", reading.Dates)}.");
        }
        sentences.Add($"{reading.Findings.Count} findings were retained after cross-validation.");
        var text = string.Join(" ", sentences);
        var summary = await ai.SummarizeAsync(text, 3, cancellationToken: cancellationToken);
        Count(reading, summary.Usage);
        reading.Summary = summary.Value.Text;

        var coverage = parameters.AnalysisTypes.Count / (double)SessionRules.AnalysisTypes.Count;
        var confidence = Math.Clamp((0.5 * previous) + (0.35 * (0.5 + subject.Value.Confidence)) + (0.1 * coverage), 0.35, 0.85);
        var notes = $"Neural network processing and cross-validation: the cue reads as {reading.Category} "
            + $"({subject.Value.Confidence.ToString("0.00", CultureInfo.InvariantCulture)}); {reading.Findings.Count} findings";
        return new StageOutcome(Stages.DeepAnalysis, Round(Math.Max(confidence, previous)), notes);
    }

    public async Task<StageOutcome> FinalAsync(PeekSession session, SessionReading reading, double previous, CancellationToken cancellationToken)
    {
        var goal = $"Verify and act on the {TypeTitle(session.SessionType).ToLowerInvariant()} result for: {session.Cue}";
        var plan = await ai.PlanAsync(goal, null, cancellationToken: cancellationToken);
        Count(reading, plan.Usage);
        if (reading.Places.FirstOrDefault() is { } place)
        {
            reading.Recommendations.Add($"Focus search efforts within {place.RadiusKm} km of {Coordinate(place.Latitude)}, {Coordinate(place.Longitude)} ({place.Name})");
        }
        reading.Recommendations.AddRange(plan.Value.Tasks.Take(3).Select(t => t.Title));
        if (reading.Recommendations.Count == 0)
        {
            reading.Recommendations.Add("Gather independent evidence before acting on this reading");
        }

        var findings = reading.Findings.Count == 0 ? 0.5 : reading.Findings.Average(f => f.Confidence);
        var confidence = Math.Clamp((0.6 * previous) + (0.4 * findings) + (reading.Places.Count > 0 ? 0.05 : 0), 0.4, 0.95);
        var notes = $"Final confidence scoring and result compilation: {reading.Findings.Count} findings, "
            + $"{reading.Recommendations.Count} recommendations, {reading.DataPoints} data points";
        return new StageOutcome(Stages.FinalValidation, Round(Math.Max(confidence, previous)), notes);
    }

    /// <summary>The stored results, in the shape <c>GET /sessions/{id}/analysis</c> shows under <c>results</c>.</summary>
    public static JsonObject Results(SessionReading reading, StoredParameters parameters, double confidence, bool belowThreshold)
    {
        var detailed = new JsonObject();
        var types = parameters.AnalysisTypes;
        if (types.Contains("spatial"))
        {
            var spatial = new JsonObject
            {
                ["places"] = new JsonArray(reading.Places.Select(p => (JsonNode?)JsonValue.Create(p.Name)).ToArray()),
            };
            if (reading.Places.FirstOrDefault() is { } place)
            {
                spatial["coordinates"] = Coordinates(place);
                spatial["terrain"] = place.Terrain;
                if (place.Depth is { } depth)
                {
                    spatial["depth"] = depth;
                }
            }
            detailed["spatial_data"] = spatial;
        }
        if (types.Contains("temporal"))
        {
            detailed["temporal_data"] = new JsonObject
            {
                ["time_of_event"] = reading.Dates.FirstOrDefault(),
                ["time_references"] = new JsonArray(reading.Dates.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["current_status"] = reading.Category == "event" ? "Developing; the outcome is not settled" : "Static, no recent movement",
            };
        }
        if (types.Contains("visual"))
        {
            var visual = new JsonArray();
            if (reading.Places.FirstOrDefault() is { } place)
            {
                visual.Add(new JsonObject { ["type"] = "landscape", ["description"] = place.Terrain, ["confidence"] = Round(confidence) });
            }
            foreach (var point in reading.Points.Take(2))
            {
                visual.Add(new JsonObject { ["type"] = reading.Category, ["description"] = point, ["confidence"] = Round(reading.CategoryConfidence * 0.5 + 0.4) });
            }
            detailed["visual_data"] = visual;
        }
        return new JsonObject
        {
            ["summary"] = reading.Summary,
            ["key_findings"] = new JsonArray(reading.Findings.Select(f => (JsonNode?)new JsonObject
            {
                ["type"] = f.Type,
                ["description"] = f.Description,
                ["confidence"] = f.Confidence,
            }).ToArray()),
            ["detailed_analysis"] = detailed,
            ["recommendations"] = new JsonArray(reading.Recommendations.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
            ["analysis_types"] = new JsonArray(types.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["below_confidence_threshold"] = belowThreshold,
            ["engine"] = reading.Engine,
        };
    }

    private static JsonObject Coordinates(Place place) => new()
    {
        ["latitude"] = place.Latitude,
        ["longitude"] = place.Longitude,
        ["accuracy_radius"] = place.RadiusKm,
    };

    private static void Count(SessionReading reading, AiUsage usage)
    {
        reading.DataPoints += usage.TotalTokens;
        reading.Engine = $"{usage.Provider}/{usage.Model}";
    }

    private static string TypeTitle(string type) => type switch
    {
        SessionTypes.RemoteViewing => "Remote viewing",
        SessionTypes.Dowsing => "Dowsing",
        SessionTypes.Precognition => "Precognition",
        _ => "Intuitive analysis",
    };

    private static string Coordinate(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static double Round(double value) => Math.Round(Math.Clamp(value, 0, 1), 2);
}
