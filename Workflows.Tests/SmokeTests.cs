using Workflows.Definitions;

namespace Workflows.Tests;

public class SmokeTests
{
    [Fact]
    public void Ranks_AreOrderedAlongTheLadder() => Assert.True(Rank.Member < Rank.Manager);
}
