using System.Net;
using Microsoft.AspNetCore.Hosting;
using Workflows.Host.Violations;
using Workflows.Tests.Infrastructure;
using static Workflows.Tests.Violations.RecordsData;

namespace Workflows.Tests.Violations;

/// <summary>A host whose department set its own amounts through configuration, no code.</summary>
public sealed class DepartmentRulesApp() : WorkflowsApp(Lane.Sqlite)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("ViolationRules:Version", "dept-2026.2");
        builder.UseSetting("ViolationRules:Penalties:R06", "50");
    }
}

public sealed class RuleCatalogConfigurationTests(DepartmentRulesApp app) : IClassFixture<DepartmentRulesApp>
{
    [Fact]
    public async Task ConfiguredPenalty_IsTheDefault_AndTheCatalogVersionIsRecorded()
    {
        using var member = await app.LoginAsync("member1a");
        var rules = await ApiAssert.JsonAsync(await member.GetAsync("/api/violation-rules"));
        Assert.Equal(50m, rules.EnumerateArray().Single(r => r.GetProperty("code").GetString() == "R06").GetProperty("defaultPenalty").GetDecimal());
        Assert.Equal(20m, rules.EnumerateArray().Single(r => r.GetProperty("code").GetString() == "R07").GetProperty("defaultPenalty").GetDecimal());

        var memberId = await NewMemberAsync(app);
        Assert.Equal(50m, (await RecordAsync(app, "leader1", memberId, "2026-03-01", "R06")).GetProperty("penaltyAmount").GetDecimal());
        using var hr = await app.LoginAsync("hr");
        var eligibility = await ApiAssert.JsonAsync(await hr.GetAsync($"/api/eligibility?employeeId={memberId}&targetRank=GroupLeader"));
        Assert.Equal("dept-2026.2", eligibility.GetProperty("catalogVersion").GetString());
    }

    [Fact]
    public void BrokenRuleConfiguration_IsRefused_WithTheReason()
    {
        var root = Path.GetTempPath();
        var unknownCode = new ViolationRulesOptions { Version = "x", Penalties = new() { ["R77"] = 5 } };
        Assert.Contains("R77", Assert.Throws<FormatException>(() => unknownCode.BuildCatalog(root)).Message, StringComparison.Ordinal);
        var noVersion = new ViolationRulesOptions { Penalties = new() { ["R01"] = 5 } };
        Assert.Contains("Version", Assert.Throws<FormatException>(() => noVersion.BuildCatalog(root)).Message, StringComparison.Ordinal);
        var negative = new ViolationRulesOptions { Version = "x", Penalties = new() { ["R01"] = -1 } };
        Assert.Throws<FormatException>(() => negative.BuildCatalog(root));
        var missingFile = new ViolationRulesOptions { CatalogPath = "no-such-catalog.json" };
        Assert.Throws<FileNotFoundException>(() => missingFile.BuildCatalog(root));
    }

    [Fact]
    public void CatalogFile_ReplacesTheBuiltInCatalog()
    {
        var path = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "version": "file-1", "rules": [ { "code": "R01", "titleZh": "调换班要经组长同意", "title": "Swaps", "defaultPenalty": 7 } ] }""");
        try
        {
            var catalog = new ViolationRulesOptions { CatalogPath = path }.BuildCatalog(Path.GetTempPath());
            Assert.Equal("file-1", catalog.Version);
            Assert.Equal(7m, Assert.Single(catalog.Rules).DefaultPenalty);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
