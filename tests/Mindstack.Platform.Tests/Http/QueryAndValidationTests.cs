using Mindstack.Platform.Http;

namespace Mindstack.Platform.Tests.Http;

/// <summary>The request-edge rules every API reads its query and validates its body with.</summary>
public sealed class QueryAndValidationTests
{
    [Theory]
    [InlineData(null, 20)]
    [InlineData("", 20)]
    [InlineData("  ", 20)]
    [InlineData("7", 7)]
    [InlineData(" 100 ", 100)]
    public void Int_AbsentBlankOrInRange_DefaultOrValue(string? text, int expected) =>
        Assert.Equal(expected, Query.Int(text, "limit", 20, 1, 100));

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-3")]
    [InlineData("99999999999")]
    public void Int_NotAWholeNumberInRange_ValidationProblemNamingTheParameter(string text)
    {
        var problem = Assert.Throws<Problem>(() => Query.Int(text, "limit", 20, 1, 100));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Equal("limit", Assert.Single(problem.Errors!).Field);
        Assert.Contains("1 to 100", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Date_PlainDay_StartOrLastInstantOfThatUtcDay()
    {
        Assert.Equal(new DateTime(2025, 11, 10, 0, 0, 0, DateTimeKind.Utc), Query.Date("2025-11-10", "from"));
        Assert.Equal(new DateTime(2025, 11, 11, 0, 0, 0, DateTimeKind.Utc).AddTicks(-1), Query.Date("2025-11-10", "to", endOfDay: true));
        Assert.Equal(new DateTime(2025, 11, 10, 8, 30, 0, DateTimeKind.Utc), Query.Date("2025-11-10T10:30:00+02:00", "to", endOfDay: true));
        Assert.Null(Query.Date(" ", "to", endOfDay: true));
    }

    [Fact]
    public void Date_LastRepresentableDayAsEnd_ValidationProblemNamingTheParameter()
    {
        // Its end of day is past DateTime.MaxValue: refused, never an overflow.
        var problem = Assert.Throws<Problem>(() => Query.Date("9999-12-31", "end_date", endOfDay: true));
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Equal("end_date", Assert.Single(problem.Errors!).Field);
        Assert.Equal(new DateTime(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc), Query.Date("9999-12-31", "start_date"));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2025-13-01")]
    [InlineData("10000-01-01")]
    public void Date_NotAnIsoDate_ValidationProblemNamingTheParameter(string text)
    {
        var problem = Assert.Throws<Problem>(() => Query.Date(text, "startDate"));
        Assert.Equal("startDate", Assert.Single(problem.Errors!).Field);
    }

    [Fact]
    public void Offsets_Defaults_LimitAndZeroOffset() =>
        Assert.Equal(new OffsetRequest(20, 0), Query.Offsets(null, "", defaultLimit: 20, maxLimit: 100));

    [Fact]
    public void ThrowIfInvalid_SeveralFailures_OneProblemWithEveryField()
    {
        var validation = new Validation().Add("query", "query is required").Add("mode", "mode must be sequential or parallel");
        Assert.False(validation.IsValid);
        var problem = Assert.Throws<Problem>(() => validation.ThrowIfInvalid());
        Assert.Equal(ProblemKind.Validation, problem.Kind);
        Assert.Equal(["query", "mode"], problem.Errors!.Select(e => e.Field));
        Assert.Equal("query is required", problem.Message);
        Assert.Null(problem.Code);
    }

    [Fact]
    public void ThrowFirstIfInvalid_SeveralFailures_FirstAloneWithItsCodeAndMessage()
    {
        var validation = new Validation()
            .Add("cue", "Required field is missing", "MISSING_REQUIRED_FIELD", "cue is required")
            .Add("session_type", "One of a, b", "INVALID_FIELD_VALUE");
        var problem = Assert.Throws<Problem>(validation.ThrowFirstIfInvalid);
        Assert.Equal("MISSING_REQUIRED_FIELD", problem.Code);
        Assert.Equal("cue is required", problem.Message);
        Assert.Equal("cue", Assert.Single(problem.Errors!).Field);
    }

    [Fact]
    public void ThrowIfInvalid_NoFailure_Returns()
    {
        var validation = new Validation();
        validation.ThrowIfInvalid();
        validation.ThrowFirstIfInvalid();
        Assert.True(validation.IsValid);
    }
}
