using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CycleTimes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CycleTimePeriods",
                columns: table => new
                {
                    Start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    End = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Month = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: false),
                    SealedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CycleTimePeriods", x => x.Start);
                });

            migrationBuilder.CreateTable(
                name: "CycleTimeBuckets",
                columns: table => new
                {
                    PeriodStart = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Step = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Bucket = table.Column<long>(type: "bigint", nullable: false),
                    Completed = table.Column<int>(type: "integer", nullable: false),
                    ShortestTicks = table.Column<long>(type: "bigint", nullable: false),
                    LongestTicks = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CycleTimeBuckets", x => new { x.PeriodStart, x.Type, x.Step, x.Bucket });
                    table.ForeignKey(
                        name: "FK_CycleTimeBuckets_CycleTimePeriods_PeriodStart",
                        column: x => x.PeriodStart,
                        principalTable: "CycleTimePeriods",
                        principalColumn: "Start",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CycleTimePendingTasks",
                columns: table => new
                {
                    TaskId = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    PeriodStart = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CycleTimePendingTasks", x => x.TaskId);
                    table.ForeignKey(
                        name: "FK_CycleTimePendingTasks_CycleTimePeriods_PeriodStart",
                        column: x => x.PeriodStart,
                        principalTable: "CycleTimePeriods",
                        principalColumn: "Start",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_CycleTimePendingTasks_Tasks_TaskId",
                        column: x => x.TaskId,
                        principalTable: "Tasks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CycleTimePendingTasks_PeriodStart",
                table: "CycleTimePendingTasks",
                column: "PeriodStart");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CycleTimeBuckets");

            migrationBuilder.DropTable(
                name: "CycleTimePendingTasks");

            migrationBuilder.DropTable(
                name: "CycleTimePeriods");
        }
    }
}
