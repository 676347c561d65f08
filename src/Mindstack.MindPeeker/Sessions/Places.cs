using System.Text.RegularExpressions;

namespace Mindstack.MindPeeker.Sessions;

/// <summary>
/// A named place with its approximate centre and how far from it the place extends; for a body of
/// water its mean depth in meters (public figures), null for land.
/// </summary>
internal sealed record Place(string Name, double Latitude, double Longitude, int RadiusKm, string Terrain, int? MeanDepthMeters = null, bool Water = false)
{
    /// <summary>The depth line of the analysis: the water's mean depth, the surface for land; null for water of unknown depth.</summary>
    public string? Depth => MeanDepthMeters is { } meters
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Approximately {meters:N0} meters (mean depth of the {Name})")
        : Water ? null : "Surface level (on land)";
}

/// <summary>
/// The places a session's coordinates can be given for: oceans, seas, continents, countries,
/// regions and major cities with their approximate centres (public geographic facts). A cue that
/// names one of them gets its coordinates, with an accuracy radius (km) matching the place's size;
/// a cue naming no known place gets none rather than invented ones.
/// </summary>
internal static class Places
{
    private static readonly Place[] Known =
    [
        new("Pacific Ocean", 0.0, -160.0, 4000, "Open ocean, deep abyssal plain", 4000, Water: true),
        new("Atlantic Ocean", 14.6, -28.7, 3500, "Open ocean over the Mid-Atlantic Ridge", 3646, Water: true),
        new("Indian Ocean", -20.0, 80.0, 3500, "Open ocean, deep basin", 3741, Water: true),
        new("Arctic Ocean", 82.0, 0.0, 1500, "Sea ice over a shallow shelf", 1205, Water: true),
        new("Southern Ocean", -60.0, 90.0, 3000, "Cold open ocean near the ice shelves", 3270, Water: true),
        new("Mediterranean Sea", 35.0, 18.0, 1200, "Enclosed sea, coastal shelves", 1500, Water: true),
        new("Caribbean Sea", 15.0, -75.0, 900, "Warm shallow sea with reefs", 2200, Water: true),
        new("North Sea", 56.0, 3.0, 400, "Shallow continental-shelf sea", 95, Water: true),
        new("Baltic Sea", 58.0, 20.0, 500, "Brackish shallow sea", 55, Water: true),
        new("Gulf of Mexico", 25.0, -90.0, 700, "Warm gulf over a continental shelf", 1615, Water: true),
        new("Bermuda Triangle", 25.0, -71.0, 600, "Open ocean, deep trench to the south", Water: true),
        new("Sahara", 23.0, 13.0, 1500, "Sand and rock desert"),
        new("Amazon", -3.5, -62.0, 1200, "Dense tropical rainforest"),
        new("Himalayas", 28.0, 84.0, 800, "High mountains and glaciers"),
        new("Alps", 46.5, 10.0, 400, "High mountains, valleys and lakes"),
        new("Rocky Mountains", 44.0, -110.0, 900, "Mountain ranges and high plateaus"),
        new("Antarctica", -82.0, 135.0, 2000, "Ice sheet"),
        new("Hawaii", 20.8, -156.3, 300, "Volcanic islands surrounded by deep ocean"),
        new("Alaska", 64.2, -152.5, 900, "Mountains, tundra and coast"),
        new("California", 36.8, -119.4, 500, "Coast, valleys and mountains"),
        new("Texas", 31.0, -100.0, 600, "Plains and desert"),
        new("Florida", 27.8, -81.7, 350, "Flat wetlands and coast"),
        new("Siberia", 60.0, 105.0, 2000, "Taiga and tundra"),
        new("Patagonia", -41.8, -68.9, 800, "Steppe, mountains and glaciers"),
        new("United States", 39.8, -98.6, 2000, "Mixed terrain"),
        new("Canada", 56.1, -106.3, 2000, "Forest, lakes and tundra"),
        new("Mexico", 23.6, -102.6, 1000, "Mountains, plateaus and coast"),
        new("Brazil", -14.2, -51.9, 1800, "Rainforest and highlands"),
        new("Argentina", -38.4, -63.6, 1200, "Pampas and mountains"),
        new("Peru", -9.2, -75.0, 700, "Andes, desert coast and jungle"),
        new("United Kingdom", 54.0, -2.5, 450, "Hills and lowlands"),
        new("France", 46.2, 2.2, 500, "Plains, hills and mountains"),
        new("Germany", 51.2, 10.4, 400, "Lowlands and uplands"),
        new("Spain", 40.5, -3.7, 500, "Plateau and mountains"),
        new("Italy", 41.9, 12.6, 500, "Peninsula, hills and mountains"),
        new("Egypt", 26.8, 30.8, 600, "Desert along a river valley"),
        new("Kenya", 0.0, 37.9, 400, "Savanna and highlands"),
        new("South Africa", -30.6, 22.9, 700, "Plateau and coast"),
        new("India", 20.6, 79.0, 1200, "Plains, plateau and mountains"),
        new("China", 35.9, 104.2, 2000, "Mountains, plains and desert"),
        new("Japan", 36.2, 138.3, 600, "Mountainous islands"),
        new("Australia", -25.3, 133.8, 2000, "Arid outback and coast"),
        new("New Zealand", -40.9, 174.9, 600, "Mountainous islands"),
        new("Indonesia", -0.8, 113.9, 1500, "Volcanic islands and rainforest"),
        new("Philippines", 12.9, 121.8, 700, "Tropical islands"),
        new("Russia", 61.5, 105.3, 3000, "Taiga, tundra and steppe"),
        new("London", 51.507, -0.128, 15, "Dense urban area on a river"),
        new("Paris", 48.857, 2.352, 12, "Dense urban area on a river"),
        new("Berlin", 52.52, 13.405, 15, "Urban area on flat land"),
        new("Madrid", 40.417, -3.704, 15, "Urban area on a plateau"),
        new("Rome", 41.903, 12.496, 15, "Urban area on hills"),
        new("New York", 40.713, -74.006, 20, "Dense urban area on islands and coast"),
        new("Los Angeles", 34.052, -118.244, 30, "Sprawling urban basin by the coast"),
        new("San Francisco", 37.775, -122.419, 10, "Urban peninsula on a bay"),
        new("Chicago", 41.878, -87.630, 20, "Urban area on a lake shore"),
        new("Washington", 38.907, -77.037, 15, "Urban area on a river"),
        new("Miami", 25.762, -80.192, 15, "Coastal urban area"),
        new("Seattle", 47.606, -122.332, 15, "Urban area between sound and lakes"),
        new("Toronto", 43.653, -79.383, 20, "Urban area on a lake shore"),
        new("Mexico City", 19.433, -99.133, 25, "Urban area in a high valley"),
        new("Tokyo", 35.676, 139.650, 30, "Dense urban area on a bay"),
        new("Beijing", 39.904, 116.407, 30, "Urban area on a plain"),
        new("Sydney", -33.869, 151.209, 25, "Coastal urban area around a harbour"),
        new("Cairo", 30.044, 31.236, 20, "Urban area on a river delta"),
        new("Mumbai", 19.076, 72.878, 20, "Coastal urban peninsula"),
        new("Moscow", 55.756, 37.617, 25, "Urban area on a river"),
        new("Honolulu", 21.307, -157.858, 10, "Coastal city below volcanic ridges"),
    ];

    private static readonly (Place Place, Regex Pattern)[] Patterns = Known
        .OrderByDescending(p => p.Name.Length)
        .Select(p => (p, new Regex($@"\b{Regex.Escape(p.Name)}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)))
        .ToArray();

    /// <summary>The known places named in <paramref name="text"/> or among <paramref name="locations"/>, most specific (smallest) first.</summary>
    public static IReadOnlyList<Place> Find(string text, IEnumerable<string> locations)
    {
        var found = new List<Place>();
        var haystack = text + "\n" + string.Join("\n", locations);
        foreach (var (place, pattern) in Patterns)
        {
            if (!found.Contains(place) && pattern.IsMatch(haystack))
            {
                found.Add(place);
            }
        }
        return found.OrderBy(p => p.RadiusKm).ToList();
    }
}
