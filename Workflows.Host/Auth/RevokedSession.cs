using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Workflows.Host.Auth;

/// <summary>
/// A signed-out session: every bearer token and cookie carries its session id (<see cref="SessionClaims.SessionId"/>),
/// and one whose id is here is refused on its next request. Kept until the longest-lived token of the session
/// (a refresh token) would have expired anyway.
/// </summary>
public sealed class RevokedSession
{
    public string SessionId { get; init; } = "";

    public string UserId { get; init; } = "";

    public DateTimeOffset RevokedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }
}

internal sealed class RevokedSessionConfiguration : IEntityTypeConfiguration<RevokedSession>
{
    public void Configure(EntityTypeBuilder<RevokedSession> s)
    {
        s.ToTable("RevokedSessions");
        s.HasKey(x => x.SessionId);
        s.Property(x => x.SessionId).HasMaxLength(36);
        s.Property(x => x.UserId).HasMaxLength(450);
        s.HasIndex(x => x.ExpiresAt);
    }
}

public static class SessionClaims
{
    /// <summary>The claim naming the session a token or cookie belongs to.</summary>
    public const string SessionId = "wf:sid";
}
