namespace Mindstack.Platform.Http;

/// <summary>
/// A request's validation: checks record their failures here, then <see cref="ThrowIfInvalid"/>
/// raises one <see cref="ProblemKind.Validation"/> problem naming every failed field, which the
/// API's Dialect renders in its own shape. An API whose error shape names one field reports the
/// first failure with <see cref="ThrowFirstIfInvalid"/>, keeping its own code and message for it.
/// </summary>
public sealed class Validation
{
    private readonly List<Failure> _failures = [];

    /// <summary>A failed field; <paramref name="Code"/> and <paramref name="Message"/> are the API's own for it, when it names failures one by one.</summary>
    private sealed record Failure(FieldError Error, string? Code, string? Message);

    public bool IsValid => _failures.Count == 0;

    public IReadOnlyList<FieldError> Errors => _failures.Select(f => f.Error).ToList();

    /// <summary>
    /// Records that <paramref name="field"/> failed for <paramref name="reason"/>. An API that names
    /// each failure gives its <paramref name="code"/> (e.g. <c>MISSING_REQUIRED_FIELD</c>) and the
    /// problem's <paramref name="message"/> for it.
    /// </summary>
    public Validation Add(string field, string reason, string? code = null, string? message = null)
    {
        _failures.Add(new Failure(new FieldError(field, reason), code, message));
        return this;
    }

    /// <summary>Raises one problem with every failed field (message: <paramref name="message"/>, else the first failure's).</summary>
    public void ThrowIfInvalid(string? message = null, string? code = null)
    {
        if (_failures.Count > 0)
        {
            var first = _failures[0];
            throw Problem.Invalid(Errors, message ?? first.Message ?? first.Error.Message, code);
        }
    }

    /// <summary>Raises the first failure alone, with its own code and message.</summary>
    public void ThrowFirstIfInvalid()
    {
        if (_failures.Count > 0)
        {
            var first = _failures[0];
            throw Problem.Invalid([first.Error], first.Message ?? first.Error.Message, first.Code);
        }
    }
}
