using Workflows.Definitions.Engine;

namespace Workflows.Tests.Engine;

public class DesignRegistryTests
{
    private static WorkflowDesign Version(int version, string file) =>
        TestDesigns.AllKinds with { Version = version, FileName = file };

    [Fact]
    public void Latest_ReturnsTheHighestVersion_WhateverTheLoadOrder()
    {
        var registry = new DesignRegistry([Version(2, "v2.json"), Version(3, "v3.json"), Version(1, "v1.json")]);

        Assert.Equal(3, registry.Latest("test.all-kinds")!.Version);
        Assert.Equal([1, 2, 3], registry.Versions("test.all-kinds"));
    }

    [Fact]
    public void Get_ReturnsThePinnedVersion_AfterANewerOneIsPublished()
    {
        var registry = new DesignRegistry([Version(1, "v1.json"), Version(2, "v2.json")]);

        Assert.Equal("v1.json", registry.Get("test.all-kinds", 1)!.FileName);
        Assert.Equal("v2.json", registry.Latest("test.all-kinds")!.FileName);
    }

    [Fact]
    public void Get_ReturnsNull_ForUnknownNameOrVersion()
    {
        var registry = new DesignRegistry([Version(1, "v1.json")]);

        Assert.Null(registry.Get("test.all-kinds", 7));
        Assert.Null(registry.Get("nope", 1));
        Assert.Null(registry.Latest("nope"));
    }

    [Fact]
    public void Registry_Fails_WhenTwoFilesDefineTheSameVersion()
    {
        var ex = Assert.Throws<DesignValidationException>(() => new DesignRegistry([Version(1, "a.json"), Version(1, "b.json")]));

        Assert.Contains("b.json: version 1 of 'test.all-kinds' is already defined in a.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_KeepsSeveralDesigns_Apart()
    {
        var registry = new DesignRegistry([Version(1, "v1.json"), TestDesigns.PingPong]);

        Assert.Equal(["test.all-kinds", "test.ping-pong"], registry.Names);
        Assert.Equal(2, registry.All.Count());
    }
}
