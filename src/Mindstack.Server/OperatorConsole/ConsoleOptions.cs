namespace Mindstack.Server.OperatorConsole;

/// <summary><c>Mindstack:Console</c>: the operator console at <c>/console</c> on the main port.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Mindstack:Console";

    /// <summary>False maps no console route at all (<c>/console</c> is then an unknown path).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a console sign-in lasts (its cookie and its session row end together).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Failed sign-ins allowed per account and client network within <see cref="SignInWindow"/>.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    public TimeSpan SignInWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the overview reloads itself (at least 5 s).</summary>
    public TimeSpan OverviewRefresh { get; set; } = TimeSpan.FromSeconds(30);
}
