namespace Mindstack.MindPeeker.Auth;

/// <summary>The user <c>POST /auth/register</c> answers with.</summary>
internal sealed record RegisteredUserView(string Id, string Email, string? Username, string Tier, DateTime CreatedAt);

/// <summary>The user <c>POST /auth/login</c> answers with.</summary>
internal sealed record SignedInUserView(string Id, string Email, string? Username, string Tier);

/// <summary><c>POST /auth/register</c>: the new user and its first token pair.</summary>
internal sealed record RegisteredView(RegisteredUserView User, string Token, string RefreshToken, long ExpiresIn);

/// <summary><c>POST /auth/login</c>: the user and a token pair.</summary>
internal sealed record SignedInView(SignedInUserView User, string Token, string RefreshToken, long ExpiresIn);

/// <summary><c>POST /auth/refresh</c>: the new token and the rotated refresh token.</summary>
internal sealed record RefreshedView(string Token, string RefreshToken, long ExpiresIn);
