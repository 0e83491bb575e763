using Workflows.Definitions.Engine;

namespace Workflows.Tests.Engine;

public class DesignCatalogTests
{
    private static WorkflowDesign Version(int version, string file) =>
        TestDesigns.AllKinds with { Version = version, FileName = file };

    [Fact]
    public void Latest_ReturnsTheHighestVersion_WhateverTheLoadOrder()
    {
        var catalog = new DesignCatalog([Version(2, "v2.json"), Version(3, "v3.json"), Version(1, "v1.json")]);

        Assert.Equal(3, catalog.Latest("test.all-kinds")!.Version);
        Assert.Equal([1, 2, 3], catalog.Versions("test.all-kinds"));
    }

    [Fact]
    public void Get_ReturnsThePinnedVersion_AfterANewerOneIsPublished()
    {
        var catalog = new DesignCatalog([Version(1, "v1.json"), Version(2, "v2.json")]);

        Assert.Equal("v1.json", catalog.Get("test.all-kinds", 1)!.FileName);
        Assert.Equal("v2.json", catalog.Latest("test.all-kinds")!.FileName);
    }

    [Fact]
    public void Get_ReturnsNull_ForUnknownNameOrVersion()
    {
        var catalog = new DesignCatalog([Version(1, "v1.json")]);

        Assert.Null(catalog.Get("test.all-kinds", 7));
        Assert.Null(catalog.Get("nope", 1));
        Assert.Null(catalog.Latest("nope"));
    }

    [Fact]
    public void Registry_Fails_WhenTwoFilesDefineTheSameVersion()
    {
        var ex = Assert.Throws<DesignValidationException>(() => new DesignCatalog([Version(1, "a.json"), Version(1, "b.json")]));

        Assert.Contains("b.json: version 1 of 'test.all-kinds' is already defined in a.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_KeepsSeveralDesigns_Apart()
    {
        var catalog = new DesignCatalog([Version(1, "v1.json"), TestDesigns.PingPong]);

        Assert.Equal(["test.all-kinds", "test.ping-pong"], catalog.Names);
        Assert.Equal(2, catalog.All.Count());
    }
}
